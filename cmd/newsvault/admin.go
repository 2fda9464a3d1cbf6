package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/newsvault/newsvault/internal/auth"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/store"
)

// The verbs that manage who may change the archive: the admin password
// and API tokens. They need only the store.

// openStore opens the store --store names (by default the data
// directory's database, creating both if needed).
func openStore(ctx context.Context, c *cli.Config) (cli.Store, error) {
	return cli.OpenStore(ctx, c)
}

func newAdminCmd(cfg *cli.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage the admin account of the web server",
	}
	cmd.AddCommand(newAdminPasswordCmd(cfg))
	return cmd
}

func newAdminPasswordCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "password",
		Short: "Set or change the admin password",
		Long: `password sets the password the admin logs in with on serve's /login page.

On a terminal it asks for the new password twice without showing it;
otherwise it reads the first line of standard input:

  printf '%s\n' "$NEW_PASSWORD" | newsvault admin password

The password must be at least 12 characters long. It is stored as an
argon2id hash. Changing it signs every browser out (API tokens keep working;
revoke them with newsvault tokens revoke).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readNewPassword(cmd)
			if err != nil {
				return err
			}
			if err := auth.CheckPassword(pw); err != nil {
				return err
			}
			hash, err := auth.HashPassword(pw, auth.DefaultParams())
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.SetPassword(cmd.Context(), auth.Admin, hash); err != nil {
				return err
			}
			// The file serve wrote the first password to holds a stale one now.
			if err := os.Remove(passwordFile(cfg.DataDir)); err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s, which held the first password\n", passwordFile(cfg.DataDir))
			}
			fmt.Fprintln(cmd.OutOrStdout(), "admin password set; every browser session was signed out")
			return nil
		},
	}
}

// readNewPassword reads a new password: twice without echo from a
// terminal, else the first line of standard input.
func readNewPassword(cmd *cobra.Command) (string, error) {
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(cmd.ErrOrStderr(), prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(cmd.ErrOrStderr())
			if err != nil {
				return "", fmt.Errorf("read password: %w", err)
			}
			return string(b), nil
		}
		pw, err := ask("New admin password: ")
		if err != nil {
			return "", err
		}
		again, err := ask("The same again: ")
		if err != nil {
			return "", err
		}
		if pw != again {
			return "", errors.New("the two passwords differ; nothing changed")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// ensureAdminPassword makes a random admin password when there is none
// (the first time serve starts) and returns it, or "" when there was one.
func ensureAdminPassword(ctx context.Context, st cli.Store, log *slog.Logger) (string, error) {
	if _, err := st.PasswordHash(ctx, auth.Admin); err == nil {
		return "", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	pw := auth.NewPassword()
	hash, err := auth.HashPassword(pw, auth.DefaultParams())
	if err != nil {
		return "", err
	}
	set, err := st.SetPasswordIfNone(ctx, auth.Admin, hash)
	if err != nil || !set {
		return "", err // !set: another process set one first
	}
	log.Info("made the first admin password; it is printed once, on standard error")
	return pw, nil
}

// passwordFileName is the file in the data directory that holds the first
// admin password when serve's standard error is not a terminal.
const passwordFileName = "admin-password.txt"

func passwordFile(dataDir string) string { return filepath.Join(dataDir, passwordFileName) }

// announcePassword shows the admin password serve just made, between rules
// that stand out among log lines, with where to log in and how to reset
// it. When w is not a terminal (serve in the background, its output in a
// log file or a journal), the password also goes to a file readable only by
// the owner in the data directory, and a log line says where.
func announcePassword(w io.Writer, log *slog.Logger, dataDir, pw, loginURL string) error {
	rule := strings.Repeat("=", 72)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\nnewsvault made an admin password, shown only now:\n\n    %s\n\nLog in at %s\n", rule, pw, loginURL)
	if !isTerminal(w) {
		file := passwordFile(dataDir)
		if err := writePrivate(file, pw+"\n"); err != nil {
			return fmt.Errorf("write the first admin password to %s: %w", file, err)
		}
		log.Warn("the first admin password is also in a file only you can read; delete it once you have logged in",
			"file", file, "reset", "newsvault admin password")
		fmt.Fprintf(&b, "It is also in %s (mode 0600); delete that file once you have logged in.\n", file)
	}
	fmt.Fprintf(&b, "Lost it? Set a new one at any time with: newsvault admin password\n%s\n\n", rule)
	_, err := io.WriteString(w, b.String())
	return err
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writePrivate writes text to file, readable and writable only by its owner
// (an existing file is emptied and made so first).
func writePrivate(file, text string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tokenName is what a token may be called: not only digits, so that
// tokens revoke can tell a name from an ID.
var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func newTokensCmd(cfg *cli.Config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Create, list and revoke API tokens",
		Long: `API tokens let programs write to the archive through serve's JSON API
(and read it when reads are private): send "Authorization: Bearer <token>".
Only a hash of each token is stored: a token is shown once, when it is made.`,
	}
	cmd.AddCommand(newTokensCreateCmd(cfg), newTokensListCmd(cfg), newTokensRevokeCmd(cfg))
	return cmd
}

func newTokensCreateCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME",
		Short: "Make an API token and print it (once)",
		Long: `create makes an API token called NAME and prints it on standard output, alone
on its line, so that a script can keep it:

  TOKEN=$(newsvault tokens create feed-bot)

It is not shown again. NAME (letters, digits, . _ -, up to 64, not only
digits) says what the token is for; no two live tokens share a name.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if !tokenName.MatchString(name) || strings.Trim(name, "0123456789") == "" {
				return cli.Usagef("token name %q: use letters, digits, '.', '_' and '-' (up to 64, not only digits)", name)
			}
			st, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			secret := auth.NewToken()
			tok := store.APIToken{Name: name, Hash: auth.HashSecret(secret)}
			if err := st.CreateAPIToken(cmd.Context(), &tok); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("a live token is already called %q; revoke it or choose another name", name)
				}
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %d %q made; it is shown only now\n", tok.ID, name)
			return nil
		},
	}
}

func newTokensListCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never the tokens themselves) with their last use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			toks, err := st.APITokens(cmd.Context())
			if err != nil {
				return err
			}
			tw := cli.NewTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tSTATUS")
			for _, t := range toks {
				status := "live"
				if !t.RevokedAt.IsZero() {
					status = "revoked " + fmtTime(t.RevokedAt)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, fmtTime(t.CreatedAt), fmtTime(t.LastUsedAt), status)
			}
			return tw.Flush()
		},
	}
}

func newTokensRevokeCmd(cfg *cli.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke NAME|ID",
		Short: "Revoke a live API token; requests carrying it are refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			toks, err := st.APITokens(ctx)
			if err != nil {
				return err
			}
			id, numeric := strconv.ParseInt(args[0], 10, 64)
			for _, t := range toks {
				if !t.RevokedAt.IsZero() || !(t.Name == args[0] || (numeric == nil && t.ID == id)) {
					continue
				}
				if err := st.RevokeAPIToken(ctx, t.ID, time.Now()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked token %d %q\n", t.ID, t.Name)
				return nil
			}
			return fmt.Errorf("no live token called or numbered %q (see newsvault tokens list)", args[0])
		},
	}
}
