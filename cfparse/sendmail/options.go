package sendmail

import "mailcc/ir"

// optDef is an option of the cf library's proto.m4: the .cf option, the
// m4 variable that sets it, and the type of its value.
type optDef struct {
	Name, Var string
	Type      ir.ValueType
	// Unit is the default unit of a duration without one (sendmail's
	// convtime: 's', 'm', 'h' or 'd').
	Unit byte
}

// The types, short.
const (
	tStr  = ir.TypeString
	tInt  = ir.TypeInt
	tSize = ir.TypeSize
	tDur  = ir.TypeDuration
	tBool = ir.TypeBool
	tList = ir.TypeList
	tPath = ir.TypePath
)

// Special entries of protoOptions: options proto.m4 writes by other
// means than _OPTION.
const (
	specialHelpFile  = "HelpFile"
	specialDaemon    = "DaemonPortOptions"
	specialClient    = "ClientPortOptions"
	specialQueueDir  = "QueueDirectory"
	specialTimeZone  = "TimeZoneSpec"
	specialMilterOpt = "Milter."
)

// protoOptions are the options of the Options section of proto.m4, in
// its order.
var protoOptions = []optDef{
	{"SevenBitInput", "confSEVEN_BIT_INPUT", tBool, 0},
	{"EightBitMode", "confEIGHT_BIT_HANDLING", tStr, 0},
	{"AliasWait", "confALIAS_WAIT", tDur, 'm'},
	{"AliasFile", "ALIAS_FILE", tList, 0},
	{"MinFreeBlocks", "confMIN_FREE_BLOCKS", tInt, 0},
	{"MaxMessageSize", "confMAX_MESSAGE_SIZE", tSize, 0},
	{"BlankSub", "confBLANK_SUB", tStr, 0},
	{"HoldExpensive", "confCON_EXPENSIVE", tBool, 0},
	{"CheckpointInterval", "confCHECKPOINT_INTERVAL", tInt, 0},
	{"DeliveryMode", "confDELIVERY_MODE", tStr, 0},
	{"ErrorHeader", "confERROR_MESSAGE", tPath, 0},
	{"ErrorMode", "confERROR_MODE", tStr, 0},
	{"SaveFromLine", "confSAVE_FROM_LINES", tBool, 0},
	{"QueueFileMode", "confQUEUE_FILE_MODE", tStr, 0},
	{"TempFileMode", "confTEMP_FILE_MODE", tStr, 0},
	{"MatchGECOS", "confMATCH_GECOS", tBool, 0},
	{"MaxHopCount", "confMAX_HOP", tInt, 0},
	{specialHelpFile, "HELP_FILE", tPath, 0},
	{"IgnoreDots", "confIGNORE_DOTS", tBool, 0},
	{"ResolverOptions", "confBIND_OPTS", tList, 0},
	{"SendMimeErrors", "confMIME_FORMAT_ERRORS", tBool, 0},
	{"ForwardPath", "confFORWARD_PATH", tList, 0},
	{"ConnectionCacheSize", "confMCI_CACHE_SIZE", tInt, 0},
	{"ConnectionCacheTimeout", "confMCI_CACHE_TIMEOUT", tDur, 'm'},
	{"HostStatusDirectory", "confHOST_STATUS_DIRECTORY", tPath, 0},
	{"SingleThreadDelivery", "confSINGLE_THREAD_DELIVERY", tBool, 0},
	{"UseErrorsTo", "confUSE_ERRORS_TO", tBool, 0},
	{"UseCompressedIPv6Addresses", "confUSE_COMPRESSED_IPV6_ADDRESSES", tBool, 0},
	{"LogLevel", "confLOG_LEVEL", tInt, 0},
	{"MeToo", "confME_TOO", tBool, 0},
	{"CheckAliases", "confCHECK_ALIASES", tBool, 0},
	{"OldStyleHeaders", "confOLD_STYLE_HEADERS", tBool, 0},
	{specialDaemon, "", tStr, 0},
	{specialClient, "", tStr, 0},
	{"DirectSubmissionModifiers", "confDIRECT_SUBMISSION_MODIFIERS", tStr, 0},
	{"UseMSP", "confUSE_MSP", tBool, 0},
	{"PrivacyOptions", "confPRIVACY_FLAGS", tList, 0},
	{"PostmasterCopy", "confCOPY_ERRORS_TO", tList, 0},
	{"QueueFactor", "confQUEUE_FACTOR", tInt, 0},
	{"MaxQueueChildren", "confMAX_QUEUE_CHILDREN", tInt, 0},
	{"MaxRunnersPerQueue", "confMAX_RUNNERS_PER_QUEUE", tInt, 0},
	{"NiceQueueRun", "confNICE_QUEUE_RUN", tInt, 0},
	{"QueueSortOrder", "confQUEUE_SORT_ORDER", tStr, 0},
	{"MinQueueAge", "confMIN_QUEUE_AGE", tDur, 'm'},
	{"MaxQueueAge", "confMAX_QUEUE_AGE", tDur, 'm'},
	{"MaxQueueRunSize", "confMAX_QUEUE_RUN_SIZE", tInt, 0},
	{"FastSplit", "confFAST_SPLIT", tInt, 0},
	{specialQueueDir, "QUEUE_DIR", tPath, 0},
	{"SharedMemoryKey", "confSHARED_MEMORY_KEY", tInt, 0},
	{"SharedMemoryKeyFile", "confSHARED_MEMORY_KEY_FILE", tPath, 0},
	{"Timeout.initial", "confTO_INITIAL", tDur, 'm'},
	{"Timeout.connect", "confTO_CONNECT", tDur, 'm'},
	{"Timeout.aconnect", "confTO_ACONNECT", tDur, 'm'},
	{"Timeout.iconnect", "confTO_ICONNECT", tDur, 'm'},
	{"Timeout.helo", "confTO_HELO", tDur, 'm'},
	{"Timeout.mail", "confTO_MAIL", tDur, 'm'},
	{"Timeout.rcpt", "confTO_RCPT", tDur, 'm'},
	{"Timeout.datainit", "confTO_DATAINIT", tDur, 'm'},
	{"Timeout.datablock", "confTO_DATABLOCK", tDur, 'm'},
	{"Timeout.datafinal", "confTO_DATAFINAL", tDur, 'm'},
	{"Timeout.rset", "confTO_RSET", tDur, 'm'},
	{"Timeout.quit", "confTO_QUIT", tDur, 'm'},
	{"Timeout.misc", "confTO_MISC", tDur, 'm'},
	{"Timeout.command", "confTO_COMMAND", tDur, 'm'},
	{"Timeout.ident", "confTO_IDENT", tDur, 'm'},
	{"Timeout.fileopen", "confTO_FILEOPEN", tDur, 'm'},
	{"Timeout.control", "confTO_CONTROL", tDur, 'm'},
	{"Timeout.queuereturn", "confTO_QUEUERETURN", tDur, 'd'},
	{"Timeout.queuereturn.normal", "confTO_QUEUERETURN_NORMAL", tDur, 'd'},
	{"Timeout.queuereturn.urgent", "confTO_QUEUERETURN_URGENT", tDur, 'd'},
	{"Timeout.queuereturn.non-urgent", "confTO_QUEUERETURN_NONURGENT", tDur, 'd'},
	{"Timeout.queuereturn.dsn", "confTO_QUEUERETURN_DSN", tDur, 'd'},
	{"Timeout.queuewarn", "confTO_QUEUEWARN", tDur, 'h'},
	{"Timeout.queuewarn.normal", "confTO_QUEUEWARN_NORMAL", tDur, 'h'},
	{"Timeout.queuewarn.urgent", "confTO_QUEUEWARN_URGENT", tDur, 'h'},
	{"Timeout.queuewarn.non-urgent", "confTO_QUEUEWARN_NONURGENT", tDur, 'h'},
	{"Timeout.queuewarn.dsn", "confTO_QUEUEWARN_DSN", tDur, 'h'},
	{"Timeout.hoststatus", "confTO_HOSTSTATUS", tDur, 'm'},
	{"Timeout.resolver.retrans", "confTO_RESOLVER_RETRANS", tDur, 's'},
	{"Timeout.resolver.retrans.first", "confTO_RESOLVER_RETRANS_FIRST", tDur, 's'},
	{"Timeout.resolver.retrans.normal", "confTO_RESOLVER_RETRANS_NORMAL", tDur, 's'},
	{"Timeout.resolver.retry", "confTO_RESOLVER_RETRY", tInt, 0},
	{"Timeout.resolver.retry.first", "confTO_RESOLVER_RETRY_FIRST", tInt, 0},
	{"Timeout.resolver.retry.normal", "confTO_RESOLVER_RETRY_NORMAL", tInt, 0},
	{"Timeout.lhlo", "confTO_LHLO", tDur, 'm'},
	{"Timeout.auth", "confTO_AUTH", tDur, 'm'},
	{"Timeout.starttls", "confTO_STARTTLS", tDur, 'm'},
	{"DeliverByMin", "confDELIVER_BY_MIN", tDur, 's'},
	{"DontPruneRoutes", "confDONT_PRUNE_ROUTES", tBool, 0},
	{"SuperSafe", "confSAFE_QUEUE", tStr, 0},
	{"StatusFile", "STATUS_FILE", tPath, 0},
	{specialTimeZone, "confTIME_ZONE", tStr, 0},
	{"DefaultUser", "confDEF_USER_ID", tStr, 0},
	{"UserDatabaseSpec", "confUSERDB_SPEC", tList, 0},
	{"FallbackMXhost", "confFALLBACK_MX", tStr, 0},
	{"FallbackSmartHost", "confFALLBACK_SMARTHOST", tStr, 0},
	{"TryNullMXList", "confTRY_NULL_MX_LIST", tBool, 0},
	{"QueueLA", "confQUEUE_LA", tInt, 0},
	{"RefuseLA", "confREFUSE_LA", tInt, 0},
	{"RejectLogInterval", "confREJECT_LOG_INTERVAL", tDur, 'h'},
	{"DelayLA", "confDELAY_LA", tInt, 0},
	{"MaxDaemonChildren", "confMAX_DAEMON_CHILDREN", tInt, 0},
	{"ConnectionRateThrottle", "confCONNECTION_RATE_THROTTLE", tInt, 0},
	{"ConnectionRateWindowSize", "confCONNECTION_RATE_WINDOW_SIZE", tDur, 's'},
	{"RecipientFactor", "confWORK_RECIPIENT_FACTOR", tInt, 0},
	{"ForkEachJob", "confSEPARATE_PROC", tBool, 0},
	{"ClassFactor", "confWORK_CLASS_FACTOR", tInt, 0},
	{"RetryFactor", "confWORK_TIME_FACTOR", tInt, 0},
	{"DefaultCharSet", "confDEF_CHAR_SET", tStr, 0},
	{"ServiceSwitchFile", "confSERVICE_SWITCH_FILE", tPath, 0},
	{"HostsFile", "confHOSTS_FILE", tPath, 0},
	{"DialDelay", "confDIAL_DELAY", tDur, 's'},
	{"NoRecipientAction", "confNO_RCPT_ACTION", tStr, 0},
	{"SafeFileEnvironment", "confSAFE_FILE_ENV", tPath, 0},
	{"ColonOkInAddr", "confCOLON_OK_IN_ADDR", tBool, 0},
	{"DontExpandCnames", "confDONT_EXPAND_CNAMES", tBool, 0},
	{"SmtpGreetingMessage", "confSMTP_LOGIN_MSG", tStr, 0},
	{"UnixFromLine", "confFROM_LINE", tStr, 0},
	{"SingleLineFromHeader", "confSINGLE_LINE_FROM_HEADER", tBool, 0},
	{"AllowBogusHELO", "confALLOW_BOGUS_HELO", tBool, 0},
	{"MustQuoteChars", "confMUST_QUOTE_CHARS", tStr, 0},
	{"OperatorChars", "confOPERATORS", tStr, 0},
	{"DontInitGroups", "confDONT_INIT_GROUPS", tBool, 0},
	{"UnsafeGroupWrites", "confUNSAFE_GROUP_WRITES", tBool, 0},
	{"DoubleBounceAddress", "confDOUBLE_BOUNCE_ADDRESS", tStr, 0},
	{"SoftBounce", "confSOFT_BOUNCE", tBool, 0},
	{"DeadLetterDrop", "confDEAD_LETTER_DROP", tPath, 0},
	{"RunAsUser", "confRUN_AS_USER", tStr, 0},
	{"MaxRecipientsPerMessage", "confMAX_RCPTS_PER_MESSAGE", tInt, 0},
	{"BadRcptThrottle", "confBAD_RCPT_THROTTLE", tInt, 0},
	{"DontProbeInterfaces", "confDONT_PROBE_INTERFACES", tStr, 0},
	{"RrtImpliesDsn", "confRRT_IMPLIES_DSN", tBool, 0},
	{"ConnectOnlyTo", "confCONNECT_ONLY_TO", tStr, 0},
	{"TrustedUser", "confTRUSTED_USER", tStr, 0},
	{"ControlSocketName", "confCONTROL_SOCKET_NAME", tPath, 0},
	{"MaxMimeHeaderLength", "confMAX_MIME_HEADER_LENGTH", tStr, 0},
	{"MaxHeadersLength", "confMAX_HEADERS_LENGTH", tSize, 0},
	{"MaxAliasRecursion", "confMAX_ALIAS_RECURSION", tInt, 0},
	{"PidFile", "confPID_FILE", tPath, 0},
	{"ProcessTitlePrefix", "confPROCESS_TITLE_PREFIX", tStr, 0},
	{"DataFileBufferSize", "confDF_BUFFER_SIZE", tSize, 0},
	{"XscriptFileBufferSize", "confXF_BUFFER_SIZE", tSize, 0},
	{"MailboxDatabase", "confMAILBOX_DATABASE", tStr, 0},
	{"RequiresDirfsync", "confREQUIRES_DIR_FSYNC", tBool, 0},
	{"AuthMechanisms", "confAUTH_MECHANISMS", tList, 0},
	{"AuthRealm", "confAUTH_REALM", tStr, 0},
	{"DefaultAuthInfo", "confDEF_AUTH_INFO", tPath, 0},
	{"AuthOptions", "confAUTH_OPTIONS", tList, 0},
	{"AuthMaxBits", "confAUTH_MAX_BITS", tInt, 0},
	{"TLSSrvOptions", "confTLS_SRV_OPTIONS", tList, 0},
	{"CipherList", "confCIPHER_LIST", tStr, 0},
	{"ServerSSLOptions", "confSERVER_SSL_OPTIONS", tStr, 0},
	{"ClientSSLOptions", "confCLIENT_SSL_OPTIONS", tStr, 0},
	{"SSLEngine", "confSSL_ENGINE", tStr, 0},
	{"SSLEnginePath", "confSSL_ENGINE_PATH", tPath, 0},
	{"TLSFallbacktoClear", "confTLS_FALLBACK_TO_CLEAR", tBool, 0},
	{"InputMailFilters", "confINPUT_MAIL_FILTERS", tList, 0},
	{"Milter.LogLevel", "confMILTER_LOG_LEVEL", tInt, 0},
	{"Milter.macros.connect", "confMILTER_MACROS_CONNECT", tList, 0},
	{"Milter.macros.helo", "confMILTER_MACROS_HELO", tList, 0},
	{"Milter.macros.envfrom", "confMILTER_MACROS_ENVFROM", tList, 0},
	{"Milter.macros.envrcpt", "confMILTER_MACROS_ENVRCPT", tList, 0},
	{"Milter.macros.eom", "confMILTER_MACROS_EOM", tList, 0},
	{"Milter.macros.eoh", "confMILTER_MACROS_EOH", tList, 0},
	{"Milter.macros.data", "confMILTER_MACROS_DATA", tList, 0},
	{"CACertPath", "confCACERT_PATH", tPath, 0},
	{"CACertFile", "confCACERT", tPath, 0},
	{"ServerCertFile", "confSERVER_CERT", tPath, 0},
	{"ServerKeyFile", "confSERVER_KEY", tPath, 0},
	{"ClientCertFile", "confCLIENT_CERT", tPath, 0},
	{"ClientKeyFile", "confCLIENT_KEY", tPath, 0},
	{"CRLFile", "confCRL", tPath, 0},
	{"CRLPath", "confCRL_PATH", tPath, 0},
	{"DHParameters", "confDH_PARAMETERS", tStr, 0},
	{"RandFile", "confRAND_FILE", tStr, 0},
	{"CertFingerprintAlgorithm", "confCERT_FINGERPRINT_ALGORITHM", tStr, 0},
	{"DANE", "confDANE", tStr, 0},
	{"MaxNOOPCommands", "confMAX_NOOP_COMMANDS", tInt, 0},
	{"HeloName", "confHELO_NAME", tStr, 0},
	{"RejectNUL", "confREJECT_NUL", tBool, 0},
}

// headerOptions are the two options proto.m4 writes before the local
// info section.
var headerOptions = []optDef{
	{"DontBlameSendmail", "confDONT_BLAME_SENDMAIL", tList, 0},
	{"LDAPDefaultSpec", "confLDAP_DEFAULT_SPEC", tStr, 0},
}

// extraOptions are options the cf library does not write but a .cf
// (LOCAL_CONFIG, features) may set; their types.
var extraOptions = []optDef{
	{"AddBcc", "", tBool, 0},
	{"SetCertAltnames", "", tBool, 0},
	{"StrictTransportSecurity", "", tBool, 0},
	{"QueueDirectory", "", tPath, 0},
	{"HelpFile", "", tPath, 0},
	{"TimeZoneSpec", "", tStr, 0},
	{"DaemonPortOptions", "", tStr, 0},
	{"ClientPortOptions", "", tStr, 0},
}

// optionByName finds an option's definition by its .cf name.
var optionByName = func() map[string]optDef {
	m := map[string]optDef{}
	for _, list := range [][]optDef{protoOptions, headerOptions} {
		for _, o := range list {
			if o.Var != "" {
				m[o.Name] = o
			}
		}
	}
	for _, o := range extraOptions {
		if _, ok := m[o.Name]; !ok {
			m[o.Name] = o
		}
	}
	return m
}()
