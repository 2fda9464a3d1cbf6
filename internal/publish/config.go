package publish

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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
	return errors.Join(errs...)
}

// Validate checks one target.
func (t Target) Validate() error {
	if !reTargetName.MatchString(t.Name) {
		return fmt.Errorf("target name %q: letters, digits, '.', '_' and '-' only", t.Name)
	}
	if t.Kind != KindMarkdown && t.Kind != KindSite {
		return fmt.Errorf("target %s: kind %q: want markdown or site", t.Name, t.Kind)
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

// Find returns the targets named, or all when name is empty.
func (c Config) Find(name string) ([]Target, error) {
	if name == "" {
		return c.Targets, nil
	}
	for _, t := range c.Targets {
		if t.Name == name {
			return []Target{t}, nil
		}
	}
	return nil, fmt.Errorf("no publish target named %q", name)
}
