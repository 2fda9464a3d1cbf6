package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsvault/newsvault/internal/gitmirror"
)

// gitSourceFile, in a git target's repository, records which run of the
// source target the branch holds.
const gitSourceFile = "newsvault-source.json"

type gitSource struct {
	Dir string `json:"dir"`
	Run int64  `json:"run"`
}

// git commits the source target's directory to t.Repo (one commit per run,
// when anything changed) and pushes it to every remote. When the branch
// holds the source's previous run, only the paths that run changed are
// examined. A remote that fails is in the report by name and does not stop
// the others; the next run pushes it again.
func (p *Publisher) git(ctx context.Context, t Target, rep *Report) error {
	if t.SourceDir == "" {
		return fmt.Errorf("source target %q has no directory", t.Source)
	}
	srcRun, changed, err := sourceRun(t.SourceDir)
	if err != nil {
		return fmt.Errorf("source %s has not been published completely: %w", t.Source, err)
	}
	var last gitSource
	if b, err := os.ReadFile(filepath.Join(t.Repo, gitSourceFile)); err == nil {
		_ = json.Unmarshal(b, &last) // an unreadable record means a full scan
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	cfg := gitmirror.Config{RepoDir: t.Repo, Branch: t.Branch, Now: p.Now}
	for _, r := range t.Remotes {
		cfg.Remotes = append(cfg.Remotes, gitmirror.Remote{Name: r.Name, URL: r.URL, TokenEnv: r.TokenEnv, TokenUser: r.TokenUser, SSHKeyFile: r.SSHKey})
	}
	if last.Dir == t.SourceDir {
		switch last.Run {
		case srcRun: // nothing new: push what failed before
			cfg.Changed = []string{}
		case srcRun - 1:
			cfg.Changed = changed
		}
	}
	res, err := gitmirror.Publish(ctx, cfg, t.SourceDir, fmt.Sprintf("newsvault: %s, run %d", t.Source, srcRun))
	if err != nil {
		return err
	}
	rep.Commit, rep.Pushed, rep.PushErrors = res.Commit, res.Pushed, res.PushErrors
	rep.Written, rep.Removed = len(res.Added)+len(res.Modified), len(res.Deleted)
	for _, w := range res.Warnings {
		p.Log.Warn("git mirror", "target", t.Name, "warning", w)
	}
	for _, name := range sortedKeys(res.PushErrors) {
		p.Log.Error("git push failed; retried next run", "target", t.Name, "remote", name, "err", res.PushErrors[name])
	}
	b, _ := json.Marshal(gitSource{Dir: t.SourceDir, Run: srcRun})
	return writeAtomic(filepath.Join(t.Repo, gitSourceFile), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// PushFailures renders a report's failed remotes, one "name: error" each.
func (r Report) PushFailures() string {
	var parts []string
	for _, name := range sortedKeys(r.PushErrors) {
		parts = append(parts, name+": "+r.PushErrors[name].Error())
	}
	return strings.Join(parts, "; ")
}

func sortedKeys(m map[string]error) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
