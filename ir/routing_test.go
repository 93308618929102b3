package ir

import "testing"

// TestMailerPort: the port of an SMTP mailer is the third word of its
// A= (deliver.c), and only for [IPC] mailers; 25 is no port of its own.
func TestMailerPort(t *testing.T) {
	for _, c := range []struct {
		path, args, want string
	}{
		{"[IPC]", "TCP $h", ""},
		{"[IPC]", "TCP $h 587", "587"},
		{"[IPC]", "TCP $h 25", ""},
		{"[IPC]", "IPC $h 2525", "2525"},
		{"[IPC]", "FILE /run/cyrus/socket/lmtp", ""},
		{"/usr/bin/procmail", "procmail -a $h -d $u", ""},
	} {
		m := Mailer{Name: "x", Path: c.path, Args: c.args}
		if got := m.Port(); got != c.want {
			t.Errorf("P=%s, A=%s: port %q, want %q", c.path, c.args, got, c.want)
		}
	}
	cfg := &Config{Mailers: []Mailer{{Name: "relay", Path: "[IPC]", Args: "TCP $h 587"}}}
	if got := cfg.MailerPort("relay"); got != "587" {
		t.Errorf("MailerPort(relay) = %q", got)
	}
	if got := cfg.MailerPort("esmtp"); got != "" {
		t.Errorf("MailerPort(esmtp) = %q for a mailer not defined", got)
	}
}
