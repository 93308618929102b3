package main

import (
	"github.com/spf13/cobra"
)

// version is the mailcc version, printed by --version.
const version = "0.1.0"

func newRootCmd() *cobra.Command {
	compileOpts := &compileOptions{}
	root := &cobra.Command{
		Use:   "mailcc [flags] sendmail.mc",
		Short: "compile, migrate, explain and serve sendmail and Postfix configurations",
		Long: `mailcc reads sendmail (.mc, access, aliases, virtusertable, ...) and Postfix
(main.cf, master.cf, maps) configurations.

Given a .mc file and no subcommand, it compiles it to sendmail.cf exactly as
"m4 sendmail.mc > sendmail.cf" does (same as "mailcc compile").`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return runCompile(cmd, compileOpts, args)
		},
	}
	compileOpts.register(root)
	root.AddCommand(newCompileCmd(), newM4Cmd(), newMakemapCmd(), newNewaliasesCmd(), newPraliasesCmd(), newPostmapCmd(), newPostaliasCmd(), newPostconfCmd(), newIRCmd(), newTraceCmd(), newMigrateCmd())
	return root
}
