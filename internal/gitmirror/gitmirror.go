// Package gitmirror owns the git mirrors of a publish target: it commits a
// directory (one target's output) into a bare git repository kept in the
// data directory, one commit per publish run whose message counts the added,
// modified and deleted files, and pushes that branch to any number of
// remotes (local paths, SSH, HTTPS with a token read from an environment
// variable). It uses go-git only; no git binary is needed.
//
// Each remote is pushed on its own: one that is down, refuses our
// credentials or rejects a non-fast-forward update is reported by name in
// Result.PushErrors and never stops the others; the next run pushes it again
// from the same consistent local branch. Files over MaxFileSize are refused
// before anything is committed, and a warning is returned when the
// repository nears WarnRepoSize, the size free hosts start refusing.
package gitmirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Remote is one place the mirror is pushed to.
type Remote struct {
	Name string // unique, used in reports
	URL  string // a path to a bare repo, ssh://… or git@host:path, https://…
	// TokenEnv names the environment variable holding an HTTPS token (sent
	// as the password of basic auth, user TokenUser or "x-access-token").
	TokenEnv  string
	TokenUser string
	// SSHKeyFile is a private key for SSH remotes; empty uses the SSH agent.
	SSHKeyFile string
}

// Config says where the repository is and how commits look.
type Config struct {
	RepoDir        string // the bare repository; created when missing
	Branch         string // default "main"
	AuthorName     string // default "newsvault"
	AuthorEmail    string // default "newsvault@localhost"
	CommitterName  string // default AuthorName
	CommitterEmail string // default AuthorEmail
	MaxFileSize    int64  // refuse larger files; default 50 MB
	WarnRepoSize   int64  // warn past 90% of this; default 1 GB
	Remotes        []Remote
	Now            func() time.Time // default time.Now

	// Changed, when not nil, lists the paths (slash-separated, relative to
	// the directory; a directory stands for everything under it) written or
	// removed since the last Publish, and only those are examined; the
	// rest is taken from the last commit. Nil scans the whole directory,
	// reading only files whose size or time changed.
	Changed []string
	// Packs and loose objects beyond these counts are repacked into one
	// pack after the commit; defaults 30 and 1000.
	RepackPacks, RepackLoose int
}

// Result reports one run.
type Result struct {
	Commit                   string // the branch head after the run
	Committed                bool   // false when nothing changed
	Added, Modified, Deleted []string
	Pushed                   []string         // remotes now at Commit
	PushErrors               map[string]error // by remote name
	RepoSize                 int64            // bytes under RepoDir
	Repacked                 bool             // the objects were repacked this run
	Warnings                 []string
}

// ErrFileTooLarge is returned (wrapped, naming the files) when the
// directory holds a file over MaxFileSize; nothing is committed.
var ErrFileTooLarge = errors.New("file over the size limit")

func (c *Config) defaults() {
	if c.Branch == "" {
		c.Branch = "main"
	}
	if c.AuthorName == "" {
		c.AuthorName = "newsvault"
	}
	if c.AuthorEmail == "" {
		c.AuthorEmail = "newsvault@localhost"
	}
	if c.CommitterName == "" {
		c.CommitterName = c.AuthorName
	}
	if c.CommitterEmail == "" {
		c.CommitterEmail = c.AuthorEmail
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = 50 << 20
	}
	if c.WarnRepoSize <= 0 {
		c.WarnRepoSize = 1 << 30
	}
	if c.RepackPacks <= 0 {
		c.RepackPacks = 30
	}
	if c.RepackLoose <= 0 {
		c.RepackLoose = 1000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Publish commits srcDir as the branch's new tree (unless it is unchanged)
// with a message starting with title, then pushes the branch to every
// remote. The error is for local failures only; push failures are in
// Result.PushErrors.
//
// A run costs in proportion to what changed: files whose size and time
// match the index kept in RepoDir are not read (with Config.Changed, other
// files are not even listed), only the trees of directories holding a
// change are rewritten, the new objects go into one pack, and a remote
// that is at one of our earlier commits is sent only the objects since.
func Publish(ctx context.Context, cfg Config, srcDir, title string) (*Result, error) {
	cfg.defaults()
	repo, closeRepo, err := openRepo(cfg.RepoDir)
	if err != nil {
		return nil, fmt.Errorf("gitmirror %s: %w", cfg.RepoDir, err)
	}
	defer closeRepo()
	res := &Result{PushErrors: map[string]error{}}
	ref := plumbing.NewBranchReferenceName(cfg.Branch)

	var parent *object.Commit
	if r, err := repo.Reference(ref, true); err == nil {
		if parent, err = repo.CommitObject(r.Hash()); err != nil {
			return nil, fmt.Errorf("gitmirror: head: %w", err)
		}
	} else if !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, fmt.Errorf("gitmirror: %w", err)
	}
	oldRoot := plumbing.ZeroHash
	if parent != nil {
		oldRoot = parent.TreeHash
	}
	old, err := loadOld(repo, cfg.RepoDir, oldRoot)
	if err != nil {
		return nil, fmt.Errorf("gitmirror: head tree: %w", err)
	}

	st := newPackStager(repo)
	sc := newScanner(ctx, srcDir, cfg.MaxFileSize, time.Now().UnixNano(), old, st)
	if cfg.Changed != nil && parent != nil {
		err = sc.paths(cfg.Changed)
	} else {
		err = sc.full()
	}
	if err != nil {
		return nil, fmt.Errorf("gitmirror: read %s: %w", srcDir, err)
	}
	if len(sc.tooBig) > 0 {
		return nil, fmt.Errorf("gitmirror: %w: %s", ErrFileTooLarge, strings.Join(sc.tooBig, ", "))
	}
	res.Added, res.Modified, res.Deleted = sc.lists()

	head := plumbing.ZeroHash
	if parent != nil {
		head = parent.Hash
	}
	root := oldRoot
	if parent == nil || len(sc.changes) > 0 {
		if root, err = applyChanges(st, oldRoot, sc.changes); err != nil {
			return nil, fmt.Errorf("gitmirror: tree: %w", err)
		}
	}
	if parent == nil || root != oldRoot {
		now := cfg.Now()
		c := &object.Commit{
			Author:    object.Signature{Name: cfg.AuthorName, Email: cfg.AuthorEmail, When: now},
			Committer: object.Signature{Name: cfg.CommitterName, Email: cfg.CommitterEmail, When: now},
			Message:   Message(title, len(res.Added), len(res.Modified), len(res.Deleted)),
			TreeHash:  root,
		}
		if parent != nil {
			c.ParentHashes = []plumbing.Hash{parent.Hash}
		}
		if head, err = st.putObject(c); err != nil {
			return nil, fmt.Errorf("gitmirror: commit: %w", err)
		}
	}
	if err := st.flush(); err != nil {
		return nil, fmt.Errorf("gitmirror: %w", err)
	}
	if parent == nil || head != parent.Hash {
		if err := repo.Storer.SetReference(plumbing.NewHashReference(ref, head)); err != nil {
			return nil, fmt.Errorf("gitmirror: update %s: %w", ref, err)
		}
		if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, ref)); err != nil {
			return nil, fmt.Errorf("gitmirror: HEAD: %w", err)
		}
		res.Committed = true
	}
	res.Commit = head.String()
	if len(sc.changes) > 0 || res.Committed || !sc.cacheComplete() {
		// the index is only a cache: failing to write it costs a re-read
		if err := writeIndex(cfg.RepoDir, &fileIndex{Tree: root, Entries: sc.cur}); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("gitmirror: file index: %v", err))
		}
	}

	if packs, loose := objectCounts(cfg.RepoDir); packs > cfg.RepackPacks || loose > cfg.RepackLoose {
		if err := repo.RepackObjects(&git.RepackConfig{}); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("gitmirror: repack %s: %v", cfg.RepoDir, err))
		} else {
			res.Repacked = true
		}
	}

	if head != plumbing.ZeroHash {
		for _, rm := range cfg.Remotes {
			if err := push(ctx, repo, rm, ref, head); err != nil {
				res.PushErrors[rm.Name] = fmt.Errorf("push to %s (%s): %w", rm.Name, rm.URL, err)
			} else {
				res.Pushed = append(res.Pushed, rm.Name)
			}
		}
	}

	res.RepoSize = dirSize(cfg.RepoDir)
	if res.RepoSize > cfg.WarnRepoSize*9/10 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("repository %s is %d MB, near the %d MB many free hosts refuse",
			cfg.RepoDir, res.RepoSize>>20, cfg.WarnRepoSize>>20))
	}
	return res, nil
}

// openRepo opens (or creates) the bare repository keeping its pack files
// open, as a run reads many objects from few packs.
func openRepo(dir string) (*git.Repository, func() error, error) {
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	repo, err := git.Open(st, nil)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		if err = os.MkdirAll(dir, 0o755); err == nil {
			repo, err = git.Init(st, nil)
		}
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return repo, st.Close, nil
}

// Message is the commit message of a run: the title, then the counts.
func Message(title string, added, modified, deleted int) string {
	if title == "" {
		title = "publish"
	}
	return fmt.Sprintf("%s: %d added, %d modified, %d deleted\n", title, added, modified, deleted)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
