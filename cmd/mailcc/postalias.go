package main

import (
	"os"

	"github.com/spf13/cobra"
)

func newPostaliasCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "postalias [-finNoprsuvw] [-c config_dir] [-q key] [type:]file...",
		Short: "build, query or list a Postfix alias database like postalias",
		Long: `mailcc postalias builds file.db (hash, btree) or file.cdb (cdb) from a
Postfix aliases(5) file, queries it (-q key, -q -) or lists it (-s),
exactly as Postfix 3.7's postalias does: names are stored unquoted and
folded, values re-serialised as address lists, and the @:@ and NIS
YP_LAST_MODIFIED/YP_MASTER_NAME entries are added. Linked or copied under
the name postalias, the mailcc binary behaves as this command.

Not supported: -d (delete).`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := runPostfixMap(postaliasTool, "postalias", args, os.Stdin, stdout(), os.Stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}
