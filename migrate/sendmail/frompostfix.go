package sendmail

func (m *migrator) fromPostfix() error { return nil }
