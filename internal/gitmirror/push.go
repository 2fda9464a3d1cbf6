package gitmirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// maxAhead bounds how many of our commits a remote may lag behind and still
// get the quick push; further behind, go-git's own push is used.
const maxAhead = 1000

// push brings remote rm's branch ref to head.
//
// go-git's Repository.Push works out what to send by walking everything
// reachable from the remote's head (every tree and blob of the old
// commit), which costs as much as the whole tree. When the remote's head is
// one of our own recent commits we know better: the objects to send are
// the commits since then and the trees and blobs that differ between their
// trees, found by descending only into directories whose hashes differ.
// That pack goes over the same transport session go-git uses. An empty
// remote, a head we do not have or a diverged history falls back to
// go-git's push, which sends everything or reports non-fast-forward.
func push(ctx context.Context, repo *git.Repository, rm Remote, ref plumbing.ReferenceName, head plumbing.Hash) error {
	if rm.Name == "" || rm.URL == "" {
		return errors.New("remote needs a name and a URL")
	}
	auth, err := authFor(rm)
	if err != nil {
		return err
	}
	done, err := quickPush(ctx, repo, rm, auth, ref, head)
	if done || err != nil {
		return err
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

// quickPush pushes only what is new since the remote's head; done is false
// when the remote's state needs go-git's full push instead.
func quickPush(ctx context.Context, repo *git.Repository, rm Remote, auth transport.AuthMethod, ref plumbing.ReferenceName, head plumbing.Hash) (done bool, err error) {
	ep, err := transport.NewEndpoint(rm.URL)
	if err != nil {
		return false, err
	}
	cl, err := client.NewClient(ep)
	if err != nil {
		return false, err
	}
	sess, err := cl.NewReceivePackSession(ep, auth)
	if err != nil {
		return false, err
	}
	defer func() {
		if cerr := sess.Close(); err == nil && done {
			err = cerr
		}
	}()
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return false, err
	}
	remoteHead, ok := ar.References[ref.String()]
	if !ok || remoteHead.IsZero() {
		return false, nil
	}
	if remoteHead == head {
		return true, nil
	}
	hashes, ok, err := objectsSince(repo, remoteHead, head)
	if err != nil || !ok {
		return false, err
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(ar.Capabilities)
	req.Commands = []*packp.Command{{Name: ref, Old: remoteHead, New: head}}
	rd, wr := io.Pipe()
	req.Packfile = rd
	encoded := make(chan error, 1)
	go func() {
		enc := packfile.NewEncoder(wr, repo.Storer, !ar.Capabilities.Supports(capability.OFSDelta))
		_, err := enc.Encode(hashes, 0)
		wr.CloseWithError(err)
		encoded <- err
	}()
	rs, err := sess.ReceivePack(ctx, req)
	if err != nil {
		rd.Close()
		<-encoded
		return true, err
	}
	if err := <-encoded; err != nil {
		return true, err
	}
	if rs != nil {
		if err := rs.Error(); err != nil {
			return true, err
		}
	}
	return true, nil
}

// objectsSince lists the objects reachable from head that from lacks,
// when from is on head's first-parent line within maxAhead commits.
func objectsSince(repo *git.Repository, from, head plumbing.Hash) ([]plumbing.Hash, bool, error) {
	var chain []*object.Commit
	for h := head; h != from; {
		if len(chain) == maxAhead {
			return nil, false, nil
		}
		c, err := repo.CommitObject(h)
		if err != nil {
			return nil, false, fmt.Errorf("commit %s: %w", h, err)
		}
		chain = append(chain, c)
		if c.NumParents() == 0 {
			return nil, false, nil
		}
		h = c.ParentHashes[0]
	}
	seen := map[plumbing.Hash]bool{}
	var out []plumbing.Hash
	add := func(h plumbing.Hash) bool {
		if seen[h] {
			return false
		}
		seen[h] = true
		out = append(out, h)
		return true
	}
	for _, c := range chain {
		add(c.Hash)
		parent, err := repo.CommitObject(c.ParentHashes[0])
		if err != nil {
			return nil, false, err
		}
		if err := treeDiffObjects(repo, parent.TreeHash, c.TreeHash, add); err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}

// treeDiffObjects calls add for nu and every tree and blob under it that
// is not at the same place in old, descending only where hashes differ.
func treeDiffObjects(repo *git.Repository, old, nu plumbing.Hash, add func(plumbing.Hash) bool) error {
	if old == nu || !add(nu) {
		return nil
	}
	t, err := object.GetTree(repo.Storer, nu)
	if err != nil {
		return err
	}
	oldEntries := map[string]object.TreeEntry{}
	if !old.IsZero() {
		ot, err := object.GetTree(repo.Storer, old)
		if err != nil {
			return err
		}
		for _, e := range ot.Entries {
			oldEntries[e.Name] = e
		}
	}
	for _, e := range t.Entries {
		oe, had := oldEntries[e.Name]
		if had && oe.Hash == e.Hash {
			continue
		}
		if e.Mode == filemode.Dir {
			var oldSub plumbing.Hash
			if had && oe.Mode == filemode.Dir {
				oldSub = oe.Hash
			}
			if err := treeDiffObjects(repo, oldSub, e.Hash, add); err != nil {
				return err
			}
			continue
		}
		if e.Mode != filemode.Submodule {
			add(e.Hash)
		}
	}
	return nil
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
