package postfix

// paramFlags say how postconf treats a built-in parameter.
type paramFlags uint8

const (
	// paramRaw: the value is not $name-expanded when it is read (the
	// programs using it expand their own run-time $user, $local, ...).
	paramRaw paramFlags = 1 << iota
	// paramReadOnly: set by the program itself; main.cf cannot set it.
	paramReadOnly
	// paramComputed: the default depends on the host and is computed at
	// run time (myhostname, mydomain, mynetworks, process_id).
	paramComputed
)

// builtinParam is a built-in parameter and its default value.
type builtinParam struct {
	name  string
	def   string
	flags paramFlags
}
