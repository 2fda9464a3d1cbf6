package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigReadsTargetsAndRejectsMistakes(t *testing.T) {
	dir := t.TempDir()
	c, err := LoadConfig(dir)
	if err != nil || len(c.Targets) != 0 || c.Interval.Duration != DefaultInterval {
		t.Fatalf("no file: %+v %v", c, err)
	}
	good := "interval = \"15m\"\n[[target]]\nname = \"site\"\nkind = \"site\"\ndir = \"out/site\"\nbase_url = \"https://e.org/n/\"\n"
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(good), 0o644)
	c, err = LoadConfig(dir)
	if err != nil || c.Interval.Duration != 15*time.Minute || len(c.Targets) != 1 || c.Targets[0].Dir != filepath.Join(dir, "out/site") {
		t.Fatalf("good file: %+v %v", c, err)
	}
	git := good + "[[target]]\nname = \"mirror\"\nkind = \"git\"\nsource = \"site\"\nrepo = \"site.git\"\n" +
		"[[target.remote]]\nname = \"gh\"\nurl = \"https://github.com/me/n.git\"\ntoken_env = \"GH_TOKEN\"\n"
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(git), 0o644)
	c, err = LoadConfig(dir)
	if err != nil || len(c.Targets) != 2 || c.Targets[1].Repo != filepath.Join(dir, "site.git") || len(c.Targets[1].Remotes) != 1 || c.Targets[1].Remotes[0].TokenEnv != "GH_TOKEN" {
		t.Fatalf("git target: %+v %v", c, err)
	}
	gitTarget := "[[target]]\nname = \"g\"\nkind = \"git\"\nrepo = \"r.git\"\n"
	for _, bad := range []string{
		good + gitTarget,                         // no source
		good + gitTarget + "source = \"nope\"\n", // unknown source
		gitTarget + "source = \"g\"\n",           // a git source
		good + "[[target]]\nname = \"g\"\nkind = \"git\"\nsource = \"site\"\n",    // no repo
		good + gitTarget + "source = \"site\"\n[[target.remote]]\nname = \"a\"\n", // remote without url
		good + gitTarget + "source = \"site\"\n[[target.remote]]\nname = \"a\"\nurl = \"/x\"\n[[target.remote]]\nname = \"a\"\nurl = \"/y\"\n",
		"[[target]]\nname = \"x\"\nkind = \"pdf\"\ndir = \"d\"\n",
		"[[target]]\nname = \"x\"\nkind = \"site\"\n",
		"[[target]]\nname = \"../x\"\nkind = \"site\"\ndir = \"d\"\n",
		"[[target]]\nname = \"x\"\nkind = \"site\"\ndir = \"d\"\nbase_url = \"javascript:alert(1)\"\n",
		"[[target]]\nname = \"x\"\nkind = \"site\"\ndir = \"d\"\n[[target]]\nname = \"x\"\nkind = \"markdown\"\ndir = \"e\"\n",
		"[[target]]\nname = \"x\"\nkind = \"site\"\ndir = \"d\"\ntypo = 1\n",
		"interval = \"soon\"\n",
	} {
		os.WriteFile(filepath.Join(dir, ConfigFile), []byte(bad), 0o644)
		if _, err := LoadConfig(dir); err == nil {
			t.Errorf("accepted:\n%s", bad)
		} else if !strings.Contains(err.Error(), ConfigFile) {
			t.Errorf("error does not name the file: %v", err)
		}
	}
}

func FuzzLoadConfig(f *testing.F) {
	f.Add("interval = \"15m\"\n[[target]]\nname = \"site\"\nkind = \"site\"\ndir = \"out\"\n")
	f.Add("[[target]]\nname = \"m\"\nkind = \"markdown\"\ndir = \"/abs\"\noriginal_images = true\n")
	f.Add("[[target]]\nname = \"m\"\nkind = \"markdown\"\ndir = \"m\"\n[[target]]\nname = \"g\"\nkind = \"git\"\nsource = \"m\"\nrepo = \"g.git\"\n[[target.remote]]\nname = \"a\"\nurl = \"/x\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, ConfigFile), []byte(data), 0o644)
		c, err := LoadConfig(dir)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("LoadConfig returned a configuration that does not validate: %v", err)
		}
		for _, tg := range c.Targets {
			if tg.Kind == KindGit {
				if !filepath.IsAbs(tg.Repo) {
					t.Fatalf("git repo %q not made absolute", tg.Repo)
				}
				continue
			}
			if !filepath.IsAbs(tg.Dir) {
				t.Fatalf("target dir %q not made absolute", tg.Dir)
			}
		}
	})
}
