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
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
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
}

// Result reports one run.
type Result struct {
	Commit                   string // the branch head after the run
	Committed                bool   // false when nothing changed
	Added, Modified, Deleted []string
	Pushed                   []string         // remotes now at Commit
	PushErrors               map[string]error // by remote name
	RepoSize                 int64            // bytes under RepoDir
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
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Publish commits srcDir as the branch's new tree (unless it is unchanged)
// with a message starting with title, then pushes the branch to every
// remote. The error is for local failures only; push failures are in
// Result.PushErrors.
func Publish(ctx context.Context, cfg Config, srcDir, title string) (*Result, error) {
	cfg.defaults()
	repo, err := git.PlainOpen(cfg.RepoDir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.PlainInit(cfg.RepoDir, true)
	}
	if err != nil {
		return nil, fmt.Errorf("gitmirror %s: %w", cfg.RepoDir, err)
	}
	res := &Result{PushErrors: map[string]error{}}
	ref := plumbing.NewBranchReferenceName(cfg.Branch)

	var parent *object.Commit
	old := map[string]plumbing.Hash{}
	if r, err := repo.Reference(ref, true); err == nil {
		if parent, err = repo.CommitObject(r.Hash()); err != nil {
			return nil, fmt.Errorf("gitmirror: head: %w", err)
		}
		tree, err := parent.Tree()
		if err != nil {
			return nil, fmt.Errorf("gitmirror: head tree: %w", err)
		}
		err = tree.Files().ForEach(func(f *object.File) error { old[f.Name] = f.Hash; return nil })
		if err != nil {
			return nil, fmt.Errorf("gitmirror: head tree: %w", err)
		}
	} else if !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, fmt.Errorf("gitmirror: %w", err)
	}

	root, files, err := buildTree(ctx, repo, srcDir, cfg.MaxFileSize)
	if err != nil {
		return nil, err
	}
	for p, h := range files {
		if oh, ok := old[p]; !ok {
			res.Added = append(res.Added, p)
		} else if oh != h {
			res.Modified = append(res.Modified, p)
		}
	}
	for p := range old {
		if _, ok := files[p]; !ok {
			res.Deleted = append(res.Deleted, p)
		}
	}
	sort.Strings(res.Added)
	sort.Strings(res.Modified)
	sort.Strings(res.Deleted)

	head := plumbing.ZeroHash
	if parent != nil {
		head = parent.Hash
	}
	if parent == nil || parent.TreeHash != root {
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
		if head, err = store(repo, c); err != nil {
			return nil, fmt.Errorf("gitmirror: commit: %w", err)
		}
		if err := repo.Storer.SetReference(plumbing.NewHashReference(ref, head)); err != nil {
			return nil, fmt.Errorf("gitmirror: update %s: %w", ref, err)
		}
		if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, ref)); err != nil {
			return nil, fmt.Errorf("gitmirror: HEAD: %w", err)
		}
		res.Committed = true
	}
	res.Commit = head.String()

	if head != plumbing.ZeroHash {
		for _, rm := range cfg.Remotes {
			if err := push(ctx, repo, rm, ref); err != nil {
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

// Message is the commit message of a run: the title, then the counts.
func Message(title string, added, modified, deleted int) string {
	if title == "" {
		title = "publish"
	}
	return fmt.Sprintf("%s: %d added, %d modified, %d deleted\n", title, added, modified, deleted)
}

type encodable interface {
	Encode(plumbing.EncodedObject) error
}

func store(repo *git.Repository, o encodable) (plumbing.Hash, error) {
	obj := repo.Storer.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return repo.Storer.SetEncodedObject(obj)
}

type dirNode struct {
	files map[string]plumbing.Hash
	dirs  map[string]*dirNode
}

func newDir() *dirNode {
	return &dirNode{files: map[string]plumbing.Hash{}, dirs: map[string]*dirNode{}}
}

// buildTree stores every file of srcDir as a blob (skipping blobs the
// repository has) and the tree objects above them, and returns the root tree
// and the path → blob map.
func buildTree(ctx context.Context, repo *git.Repository, srcDir string, maxSize int64) (plumbing.Hash, map[string]plumbing.Hash, error) {
	root := newDir()
	files := map[string]plumbing.Hash{}
	var tooBig []string
	err := filepath.WalkDir(srcDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(srcDir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > maxSize {
			tooBig = append(tooBig, fmt.Sprintf("%s (%d bytes)", rel, info.Size()))
			return nil
		}
		h, err := storeBlob(repo, p, info.Size())
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		files[rel] = h
		n := root
		parts := strings.Split(rel, "/")
		for _, dir := range parts[:len(parts)-1] {
			c, ok := n.dirs[dir]
			if !ok {
				c = newDir()
				n.dirs[dir] = c
			}
			n = c
		}
		n.files[parts[len(parts)-1]] = h
		return nil
	})
	if err != nil {
		return plumbing.ZeroHash, nil, fmt.Errorf("gitmirror: read %s: %w", srcDir, err)
	}
	if len(tooBig) > 0 {
		return plumbing.ZeroHash, nil, fmt.Errorf("gitmirror: %w: %s", ErrFileTooLarge, strings.Join(tooBig, ", "))
	}
	h, err := writeTree(repo, root)
	if err != nil {
		return plumbing.ZeroHash, nil, fmt.Errorf("gitmirror: tree: %w", err)
	}
	return h, files, nil
}

func storeBlob(repo *git.Repository, path string, size int64) (plumbing.Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	hasher := plumbing.NewHasher(plumbing.BlobObject, size)
	if _, err := io.Copy(hasher, f); err != nil {
		return plumbing.ZeroHash, err
	}
	h := hasher.Sum()
	if repo.Storer.HasEncodedObject(h) == nil {
		return h, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return plumbing.ZeroHash, err
	}
	obj := repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(size)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return repo.Storer.SetEncodedObject(obj)
}

// writeTree writes n's tree bottom-up, entries in git's order (a directory
// sorts as its name with a trailing slash).
func writeTree(repo *git.Repository, n *dirNode) (plumbing.Hash, error) {
	var t object.Tree
	for name, h := range n.files {
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h})
	}
	for name, c := range n.dirs {
		h, err := writeTree(repo, c)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
	}
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	sort.Slice(t.Entries, func(i, j int) bool { return key(t.Entries[i]) < key(t.Entries[j]) })
	obj := repo.Storer.NewEncodedObject()
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	if repo.Storer.HasEncodedObject(obj.Hash()) == nil {
		return obj.Hash(), nil
	}
	return repo.Storer.SetEncodedObject(obj)
}

func push(ctx context.Context, repo *git.Repository, rm Remote, ref plumbing.ReferenceName) error {
	if rm.Name == "" || rm.URL == "" {
		return errors.New("remote needs a name and a URL")
	}
	cfg, err := repo.Config()
	if err != nil {
		return err
	}
	if rc, ok := cfg.Remotes[rm.Name]; !ok || len(rc.URLs) != 1 || rc.URLs[0] != rm.URL {
		delete(cfg.Remotes, rm.Name)
		cfg.Remotes[rm.Name] = &config.RemoteConfig{Name: rm.Name, URLs: []string{rm.URL}}
		if err := repo.SetConfig(cfg); err != nil {
			return err
		}
	}
	auth, err := authFor(rm)
	if err != nil {
		return err
	}
	err = repo.PushContext(ctx, &git.PushOptions{
		RemoteName: rm.Name,
		RefSpecs:   []config.RefSpec{config.RefSpec(ref + ":" + ref)},
		Auth:       auth,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

func authFor(rm Remote) (transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(rm.URL)
	if err != nil {
		return nil, err
	}
	switch ep.Protocol {
	case "http", "https":
		if rm.TokenEnv == "" {
			return nil, nil
		}
		tok := os.Getenv(rm.TokenEnv)
		if tok == "" {
			return nil, fmt.Errorf("token variable %s is empty", rm.TokenEnv)
		}
		user := rm.TokenUser
		if user == "" {
			user = "x-access-token"
		}
		return &githttp.BasicAuth{Username: user, Password: tok}, nil
	case "ssh":
		if rm.SSHKeyFile != "" {
			return gitssh.NewPublicKeysFromFile(ep.User, rm.SSHKeyFile, "")
		}
	}
	return nil, nil
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
