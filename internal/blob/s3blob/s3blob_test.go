package s3blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/blob"
	"github.com/newsvault/newsvault/internal/blob/blobtest"
	"github.com/newsvault/newsvault/internal/blob/s3blob"
	"github.com/newsvault/newsvault/internal/blob/s3test"
)

func TestParseURL(t *testing.T) {
	c, err := s3blob.ParseURL("s3://archive/news/blobs/?endpoint=http://127.0.0.1:8333&region=us-east-1&style=path")
	if err != nil {
		t.Fatal(err)
	}
	want := s3blob.Config{Bucket: "archive", Prefix: "news/blobs", Endpoint: "127.0.0.1:8333", Secure: false, Region: "us-east-1", Style: "path"}
	if c != want {
		t.Fatalf("ParseURL = %+v, want %+v", c, want)
	}
	if c, _ := s3blob.ParseURL("s3://bkt?endpoint=minio.example:9000"); c.Endpoint != "minio.example:9000" || !c.Secure {
		t.Errorf("endpoint without scheme: %+v, want HTTPS to it", c)
	}
	if c, _ := s3blob.ParseURL("s3://bkt"); c.Endpoint != "" || c.Prefix != "" || !c.Secure {
		t.Errorf("bare bucket: %+v", c)
	}
	for raw, why := range map[string]string{
		"s3://AKIA:secret@bucket/p":                "credentials",
		"https://bucket/p":                         "s3://",
		"s3:///p":                                  "no bucket",
		"s3://Not_A_Bucket/p":                      "bucket",
		"s3://bkt/p?endpoint=ftp://h":              "endpoint",
		"s3://bkt/p?secret=x":                      "unknown parameter",
		"s3://bkt/p?style=sideways":                "style",
		"s3://bkt/p?endpoint=http://u:p@127.0.0.1": "endpoint",
	} {
		_, err := s3blob.ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseURL(%q) = %v, want an error about %s", raw, err, why)
		}
		if err != nil && strings.Contains(err.Error(), "secret") && why != "unknown parameter" {
			t.Errorf("error repeats a secret: %v", err)
		}
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "id"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if _, err := s3blob.CredentialsFromEnv(lookup); err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("missing secret: %v", err)
	}
	env["AWS_SECRET_ACCESS_KEY"] = "s"
	env["AWS_SESSION_TOKEN"] = "tok"
	c, err := s3blob.CredentialsFromEnv(lookup)
	if err != nil || c != (s3blob.Credentials{AccessKey: "id", SecretKey: "s", SessionToken: "tok"}) {
		t.Fatalf("CredentialsFromEnv = %+v, %v", c, err)
	}
	cfg := s3blob.Config{Bucket: "b", Creds: c}
	if strings.Contains(cfg.String(), "tok") || strings.Contains(fmt.Sprint(cfg.String()), "\"s\"") {
		t.Errorf("Config.String shows credentials: %s", cfg)
	}
}

// TestS3 runs everything against one real SeaweedFS S3 gateway.
func TestS3(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "blobs")
	creds := s3blob.Credentials{AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey}
	ctx := t.Context()
	n := 0
	open := func(t *testing.T, prefix string) *s3blob.Store {
		t.Helper()
		c, err := s3blob.ParseURL(srv.URL("blobs", prefix))
		if err != nil {
			t.Fatal(err)
		}
		c.Creds = creds
		s, err := s3blob.Open(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("Behaviour", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) blobtest.Backend {
			n++
			return open(t, fmt.Sprintf("suite%d/blobs", n))
		}, func(t *testing.T, b blobtest.Backend, hash string) []byte {
			return srv.Object(t, "blobs", b.(*s3blob.Store).Key(hash))
		})
	})

	t.Run("CopyFromLocal", func(t *testing.T) {
		local, err := blob.Open(t.TempDir(), blob.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		var hashes []string
		for i := range 12 {
			h, err := local.Put(ctx, bytes.Repeat(fmt.Appendf(nil, "<p>第%d篇</p>", i), 100))
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, h)
		}
		dst := open(t, "copied")
		// Two already there, as after an interrupted run.
		for _, h := range hashes[:2] {
			data, _ := local.Get(ctx, h)
			if _, err := dst.Put(ctx, data); err != nil {
				t.Fatal(err)
			}
		}
		listed, err := local.Hashes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var last blob.CopyProgress
		rep, err := blob.Copy(ctx, dst, local, listed, blob.CopyOptions{Progress: func(p blob.CopyProgress) { last = p }})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Copied != 10 || rep.Skipped != 2 || last.Done != 12 {
			t.Fatalf("copy report %+v, last progress %+v; want 10 copied, 2 skipped", rep, last)
		}
		if keys := srv.Keys(t, "blobs", "copied/"); len(keys) != 12 {
			t.Fatalf("bucket holds %d objects under copied/, want 12", len(keys))
		}
		for _, h := range hashes {
			if got, err := dst.Get(ctx, h); err != nil || blob.Hash(got) != h {
				t.Fatalf("copied blob %s: %v", h, err)
			}
		}
	})

	t.Run("ErrorsNameBucketAndKey", func(t *testing.T) {
		s := open(t, "errs")
		h := blob.Hash([]byte("absent"))
		_, err := s.Open(ctx, h)
		if !errors.Is(err, blob.ErrNotFound) || !strings.Contains(err.Error(), "s3://blobs/errs/"+blob.Key(h)) {
			t.Errorf("missing blob: %v, want ErrNotFound naming s3://blobs/errs/%s", err, blob.Key(h))
		}

		c, _ := s3blob.ParseURL(srv.URL("no-such-bucket", ""))
		c.Creds = creds
		if _, err := s3blob.Open(ctx, c); err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
			t.Errorf("Open of a missing bucket: %v, want an error naming it", err)
		}

		c, _ = s3blob.ParseURL(srv.URL("blobs", "x"))
		c.Creds = s3blob.Credentials{AccessKey: s3test.AccessKey, SecretKey: "wrong-secret"}
		if st, err := s3blob.Open(ctx, c); err == nil {
			_, err = st.Put(ctx, []byte("x"))
			if err == nil {
				t.Error("a wrong secret key was accepted")
			}
		} else if strings.Contains(err.Error(), "wrong-secret") {
			t.Errorf("error shows the secret: %v", err)
		}
	})

	t.Run("TimeoutOnSilentServer", func(t *testing.T) {
		// A server that accepts connections but never answers: Open must
		// give up after the configured timeout, not hang.
		l := silentListener(t)
		c, _ := s3blob.ParseURL("s3://blobs/p?endpoint=http://" + l + "&region=us-east-1")
		c.Creds = creds
		c.Timeout = 300 * time.Millisecond
		_, err := s3blob.Open(ctx, c)
		if err == nil {
			t.Fatal("Open against a silent server succeeded")
		}
		if !strings.Contains(err.Error(), "blobs") {
			t.Errorf("timeout error %q does not name the bucket", err)
		}
	})
}

func TestS3OpenHonoursContext(t *testing.T) {
	l := silentListener(t)
	c, _ := s3blob.ParseURL("s3://blobs/p?endpoint=http://" + l + "&region=us-east-1")
	c.Creds = s3blob.Credentials{AccessKey: "a", SecretKey: "b"}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s3blob.Open(ctx, c); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a canceled context: %v, want context.Canceled", err)
	}
}
