package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/manifest"
)

func newVerifyCmd(cfg *cli.Config) *cobra.Command {
	var keyFile string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check a published copy against its signed MANIFEST",
		Long: `verify checks that DIR (a copy of a publish target: a downloaded site, a
cloned mirror) is genuine and complete: MANIFEST.minisig must be a good
signature over MANIFEST by the public key, and every file must match its
listed size and SHA-256. It names every missing, extra or altered file and
exits non-zero when there is any.

The key is --key FILE (a minisign public key), by default manifest.pub in
the data directory, the file publish signs with and readers should be
given. The same check works with minisign: minisign -Vm MANIFEST -p FILE.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if keyFile == "" {
				keyFile = filepath.Join(cfg.DataDir, manifest.PubName)
			}
			pub, err := manifest.LoadPublicKey(keyFile)
			if err != nil {
				return cli.UsageError{Err: fmt.Errorf("verify: %w (give the publisher's public key with --key)", err)}
			}
			fmt.Fprintf(out, "public key: %s\n", keyFile)
			rep, err := manifest.Verify(args[0], pub)
			if err != nil {
				return err
			}
			fmt.Fprint(out, rep.String())
			if !rep.OK() {
				return fmt.Errorf("verify %s: %d missing, %d extra, %d altered%s", args[0],
					len(rep.Missing), len(rep.Extra), len(rep.Altered), map[bool]string{true: ", bad signature"}[rep.SignatureErr != nil])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyFile, "key", "", "minisign public key file to check the signature with (default: manifest.pub in the data directory)")
	return cmd
}
