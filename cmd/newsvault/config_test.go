package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/cli"
)

// envMap is an environment for newRoot.
func envMap(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// configureFor parses args as the command line of a verb and runs the
// configuration step every verb runs first, without running the verb.
func configureFor(lookup func(string) (string, bool), args ...string) (*cli.Config, error) {
	root, cfg := newRoot(lookup)
	cmd, rest, err := root.Find(args)
	if err != nil {
		return cfg, err
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return cfg, err
	}
	return cfg, root.PersistentPreRunE(cmd, cmd.Flags().Args())
}

func TestTheEnvironmentFillsWhatTheCommandLineLeft(t *testing.T) {
	env := envMap("NEWSVAULT_HOST_RATE", "5", "NEWSVAULT_TIMEOUT", "45s", "NEWSVAULT_ALLOW_PRIVATE", "true",
		"NEWSVAULT_MAX_IMAGES", "", // empty counts as unset
		"NEWSVAULT_DATA", "/tmp/from-env")
	c, err := configureFor(env, "list")
	if err != nil {
		t.Fatal(err)
	}
	if c.HostRate != 5 || c.Timeout != 45*time.Second || !c.AllowPrivate || c.MaxImages != 50 || c.DataDir != "/tmp/from-env" {
		t.Errorf("from the environment: %+v", c)
	}
	c, err = configureFor(env, "list", "--host-rate", "2", "--data", "/tmp/from-flag")
	if err != nil {
		t.Fatal(err)
	}
	if c.HostRate != 2 || c.DataDir != "/tmp/from-flag" || c.Timeout != 45*time.Second {
		t.Errorf("flags must win over the environment: %+v", c)
	}
}

func TestBadConfigurationIsAUsageErrorNamingTheSetting(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"a variable that does not parse", []string{"NEWSVAULT_TIMEOUT", "soon"}, nil, `NEWSVAULT_TIMEOUT="soon"`},
		{"a boolean that is not one", []string{"NEWSVAULT_ALLOW_PRIVATE", "maybe"}, nil, `NEWSVAULT_ALLOW_PRIVATE="maybe"`},
		{"a serve setting from the environment", []string{"NEWSVAULT_ANONYMOUS_SUBMIT", "sometimes"}, []string{"serve"}, "NEWSVAULT_ANONYMOUS_SUBMIT"},
		{"a negative rate", nil, []string{"--host-rate=-1"}, "--host-rate"},
		{"a rate that is not a number", []string{"NEWSVAULT_HOST_RATE", "NaN"}, nil, "--host-rate"},
		{"an infinite rate", []string{"NEWSVAULT_HOST_RATE", "+Inf"}, nil, "--host-rate"},
		{"a negative timeout", nil, []string{"--timeout=-1s"}, "--timeout"},
		{"a zero body cap", nil, []string{"--max-body=0"}, "--max-body"},
		{"a zero header cap", []string{"NEWSVAULT_MAX_HEADER", "0"}, nil, "--max-header"},
		{"negative images", nil, []string{"--max-images=-3"}, "--max-images"},
		{"negative connections", nil, []string{"--host-conns=-1"}, "--host-conns"},
		{"a proxy that is not http", nil, []string{"--proxy", "file:///etc/passwd"}, "--proxy"},
		{"a proxy without a host", nil, []string{"--proxy", "http://"}, "--proxy"},
		{"a user agent that would split a header", []string{"NEWSVAULT_USER_AGENT", "nv\r\nX-Evil: 1"}, nil, "--user-agent"},
		{"an unknown log level", nil, []string{"--log-level", "loud"}, "--log-level"},
		{"an empty data directory", nil, []string{"--data", " "}, "--data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"list"}, tt.args...)
			if len(tt.args) > 0 && tt.args[0] == "serve" {
				args = tt.args
			}
			_, err := configureFor(envMap(tt.env...), args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want one naming %s", err, tt.want)
			}
			var ue cli.UsageError
			if !errors.As(err, &ue) {
				t.Errorf("%v is not a usage error (exit status 2)", err)
			}
		})
	}
}

// FuzzConfig feeds arbitrary command lines and environments to the
// configuration step: it must refuse or accept, never panic, and what it
// accepts must be valid.
func FuzzConfig(f *testing.F) {
	f.Add("list\x00--host-rate\x002", "NEWSVAULT_TIMEOUT=30s")
	f.Add("serve\x00--listen\x00:0", "NEWSVAULT_READ_ACCESS=public\nNEWSVAULT_SUBMIT_DOMAINS=a.com,b.org")
	f.Add("archive\x00--allow-net\x0010.0.0.0/8,fd00::/8", "NEWSVAULT_ALLOW_NETS=192.168.0.0/16")
	f.Add("poll\x00--once\x00--max-body=1e3", "NEWSVAULT_MAX_HEADER=-1\nNEWSVAULT_PROXY=socks5://x")
	f.Add("export\x00--format\x00md", "NEWSVAULT_LOG_LEVEL=DEBUG+2\nNEWSVAULT_HOST_RATE=0x10")
	f.Fuzz(func(t *testing.T, argv, environ string) {
		var args []string
		if argv != "" {
			args = strings.Split(argv, "\x00")
		}
		if len(args) > 0 && (args[0] == "help" || args[0] == "completion") {
			return // these print and exit rather than configure
		}
		var kv []string
		for _, line := range strings.Split(environ, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				kv = append(kv, k, v)
			}
		}
		c, err := configureFor(envMap(kv...), args...)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted a configuration that does not validate: %v", err)
		}
	})
}
