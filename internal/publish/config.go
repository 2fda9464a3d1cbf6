package publish

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Kind is what a target holds.
type Kind string

// The kinds of target.
const (
	KindMarkdown Kind = "markdown" // the markdown mirror (seed format, list pages, README.md)
	KindSite     Kind = "site"     // the static HTML site with search and feeds
	KindGit      Kind = "git"      // another target's directory committed to git and pushed
)

// Target is one place publishing writes.
type Target struct {
	Name string `toml:"name"`
	Kind Kind   `toml:"kind"`
	// Dir is the target directory; a relative one is inside the data
	// directory.
	Dir string `toml:"dir"`
	// BaseURL is where readers find the target on the web
	// ("https://example.org/news/"): the feeds' links and images are made
	// absolute against it. Empty leaves them relative to the feed.
	BaseURL string `toml:"base_url"`
	// OriginalImages (markdown) links images to their original URLs
	// instead of copying them.
	OriginalImages bool `toml:"original_images"`

	// Source (git) names the target whose directory is committed; the git
	// target runs after it.
	Source string `toml:"source"`
	// Repo (git) is the bare repository kept locally; a relative one is
	// inside the data directory.
	Repo string `toml:"repo"`
	// Branch (git) is the branch committed and pushed; default "main".
	Branch string `toml:"branch"`
	// Remotes (git) are pushed after each commit, each on its own.
	Remotes []Remote `toml:"remote"`
	// SourceDir is the source target's directory, filled in by
	// Config.Find.
	SourceDir string `toml:"-"`
}

// Remote is one place a git target is pushed to.
type Remote struct {
	Name string `toml:"name"`
	// URL is a path to a bare repository, ssh://…, git@host:path or
	// https://….
	URL string `toml:"url"`
	// TokenEnv names the environment variable holding an HTTPS token;
	// TokenUser is the user sent with it (default "x-access-token").
	TokenEnv  string `toml:"token_env"`
	TokenUser string `toml:"token_user"`
	// SSHKey is a private key file for SSH remotes; empty uses the agent.
	SSHKey string `toml:"ssh_key"`
}

// Config is the publish.toml of a data directory.
type Config struct {
	// Interval is the shortest time between two publish runs that serve
	// starts after poll rounds.
	Interval Duration `toml:"interval"`
	Targets  []Target `toml:"target"`
}

// Duration reads "10m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// ConfigFile is the name of the publish configuration in the data
// directory.
const ConfigFile = "publish.toml"

// DefaultInterval is Config.Interval when the file does not set it.
const DefaultInterval = 10 * time.Minute

var reTargetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// LoadConfig reads dataDir/publish.toml. A missing file is an empty
// configuration; an unknown key, a bad kind or a duplicate name is an
// error naming the line or target.
func LoadConfig(dataDir string) (Config, error) {
	var c Config
	p := filepath.Join(dataDir, ConfigFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		c.Interval.Duration = DefaultInterval
		return c, nil
	}
	if err != nil {
		return c, err
	}
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return c, fmt.Errorf("%s: %w", p, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return c, fmt.Errorf("%s: unknown keys %s", p, strings.Join(keys, ", "))
	}
	if c.Interval.Duration == 0 {
		c.Interval.Duration = DefaultInterval
	}
	for i := range c.Targets {
		if c.Targets[i].Dir != "" && !filepath.IsAbs(c.Targets[i].Dir) {
			c.Targets[i].Dir = filepath.Join(dataDir, c.Targets[i].Dir)
		}
		if c.Targets[i].Repo != "" && !filepath.IsAbs(c.Targets[i].Repo) {
			c.Targets[i].Repo = filepath.Join(dataDir, c.Targets[i].Repo)
		}
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", p, err)
	}
	return c, nil
}

// Validate checks every target.
func (c Config) Validate() error {
	var errs []error
	if c.Interval.Duration < 0 {
		errs = append(errs, errors.New("interval must not be negative"))
	}
	seen := map[string]bool{}
	for _, t := range c.Targets {
		if err := t.Validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[t.Name] {
			errs = append(errs, fmt.Errorf("target %q named twice", t.Name))
		}
		seen[t.Name] = true
	}
	for _, t := range c.Targets {
		if t.Kind != KindGit {
			continue
		}
		if src := c.target(t.Source); src == nil {
			errs = append(errs, fmt.Errorf("target %s: source %q is not a target", t.Name, t.Source))
		} else if src.Kind == KindGit {
			errs = append(errs, fmt.Errorf("target %s: source %q is a git target; name a markdown or site target", t.Name, t.Source))
		}
	}
	return errors.Join(errs...)
}

// Validate checks one target.
func (t Target) Validate() error {
	if !reTargetName.MatchString(t.Name) {
		return fmt.Errorf("target name %q: letters, digits, '.', '_' and '-' only", t.Name)
	}
	if t.Kind == KindGit {
		return t.validateGit()
	}
	if t.Kind != KindMarkdown && t.Kind != KindSite {
		return fmt.Errorf("target %s: kind %q: want markdown, site or git", t.Name, t.Kind)
	}
	if strings.TrimSpace(t.Dir) == "" {
		return fmt.Errorf("target %s: needs a dir", t.Name)
	}
	if t.BaseURL != "" {
		u, err := url.Parse(t.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("target %s: base_url %q is not an http(s) URL", t.Name, t.BaseURL)
		}
	}
	return nil
}

// validateGit checks a git target.
func (t Target) validateGit() error {
	var errs []error
	if t.Source == "" {
		errs = append(errs, fmt.Errorf("target %s: a git target needs a source (the target it commits)", t.Name))
	}
	if strings.TrimSpace(t.Repo) == "" {
		errs = append(errs, fmt.Errorf("target %s: a git target needs a repo (its local bare repository)", t.Name))
	}
	names := map[string]bool{}
	for _, r := range t.Remotes {
		if !reTargetName.MatchString(r.Name) || names[r.Name] {
			errs = append(errs, fmt.Errorf("target %s: remote name %q: unique letters, digits, '.', '_' and '-' only", t.Name, r.Name))
		}
		names[r.Name] = true
		if strings.TrimSpace(r.URL) == "" {
			errs = append(errs, fmt.Errorf("target %s: remote %s needs a url", t.Name, r.Name))
		}
	}
	return errors.Join(errs...)
}

func (c Config) target(name string) *Target {
	for i := range c.Targets {
		if c.Targets[i].Name == name {
			return &c.Targets[i]
		}
	}
	return nil
}

// Find returns the targets named, or all when name is empty, with git
// targets after the others (a git target commits its source's output) and
// their SourceDir filled in.
func (c Config) Find(name string) ([]Target, error) {
	var out []Target
	for _, t := range c.Targets {
		if name == "" || t.Name == name {
			if t.Kind == KindGit {
				if src := c.target(t.Source); src != nil {
					t.SourceDir = src.Dir
				}
			}
			out = append(out, t)
		}
	}
	if len(out) == 0 && name != "" {
		return nil, fmt.Errorf("no publish target named %q", name)
	}
	slices.SortStableFunc(out, func(a, b Target) int {
		return cmpBool(a.Kind == KindGit, b.Kind == KindGit)
	})
	return out, nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
