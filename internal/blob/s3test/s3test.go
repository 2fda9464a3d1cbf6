// Package s3test runs a real S3 server for tests: SeaweedFS's S3 gateway
// ("weed server -s3") on loopback ports with a throw-away directory. Tests
// that need it skip with a message saying how to build it when the weed
// binary is absent. Test helper only.
package s3test

//newsvault:direct-client starts a SeaweedFS server on loopback for tests; it fetches nothing.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the SeaweedFS module version the tests are run against.
const Version = "v0.0.0-20261109003541-7506e5f91cd6"

// The credentials the test server accepts (an admin identity it makes from
// its environment).
const (
	AccessKey = "newsvault-test"
	SecretKey = "newsvault-test-secret"
)

// errMissing says how to get weed.
var errMissing = errors.New("SeaweedFS weed binary not found: run scripts/weed (builds github.com/seaweedfs/seaweedfs/weed@" + Version + " into ~/.cache/newsvault-test/seaweedfs; about 9 minutes of CPU, 1.9 GB of memory) or set NEWSVAULT_WEED")

// Binary returns the weed binary's path: $NEWSVAULT_WEED, the one
// scripts/weed builds into the cache, or weed on $PATH.
func Binary() (string, error) {
	if p := os.Getenv("NEWSVAULT_WEED"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("NEWSVAULT_WEED=%s: %w", p, err)
		}
		return p, nil
	}
	if p := CachedBinary(); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p, nil
	}
	return "", errMissing
}

// wait is Binary for CI, where scripts/weed builds the binary while the
// tests run: with NEWSVAULT_WEED_WAIT set (a duration such as 20m) it
// waits that long for the build to finish, and an absent binary is a
// failure rather than a reason to skip.
func wait(t testing.TB) string {
	t.Helper()
	limit, err := time.ParseDuration(os.Getenv("NEWSVAULT_WEED_WAIT"))
	if err != nil || limit <= 0 {
		bin, err := Binary()
		if err != nil {
			t.Skip(err)
		}
		return bin
	}
	deadline := time.Now().Add(limit)
	for {
		if bin, err := Binary(); err == nil {
			return bin
		}
		if _, err := os.Stat(CachedBinary() + ".failed"); err == nil {
			t.Fatal("scripts/weed failed to build weed; see its output")
		}
		if time.Now().After(deadline) {
			t.Fatalf("NEWSVAULT_WEED_WAIT=%s: %v", limit, errMissing)
		}
		time.Sleep(time.Second)
	}
}

// CachedBinary is where scripts/weed puts the binary.
func CachedBinary() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "newsvault-test", "seaweedfs", "weed-"+Version)
}

// Server is a running SeaweedFS with its S3 gateway.
type Server struct {
	Endpoint string // host:port of the S3 gateway, plain HTTP
	Client   *minio.Client
	log      string
}

// Start runs a server for the test and stops it at cleanup; it skips the
// test when weed is absent.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := wait(t)
	dir := t.TempDir()
	ports, err := freePorts(8)
	if err != nil {
		t.Fatal(err)
	}
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	logPath := filepath.Join(dir, "weed.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "server",
		"-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+data,
		"-master.port="+p(0), "-master.port.grpc="+p(1), "-master.telemetry=false", "-master.volumeSizeLimitMB=64",
		"-volume.port="+p(2), "-volume.port.grpc="+p(3),
		"-filer", "-filer.port="+p(4), "-filer.port.grpc="+p(5), "-filer.localSocket="+filepath.Join(dir, "filer.sock"),
		"-s3", "-s3.port="+p(6), "-s3.port.grpc="+p(7), "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.localSocket="+filepath.Join(dir, "s3.sock"),
	)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+AccessKey, "AWS_SECRET_ACCESS_KEY="+SecretKey)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &Server{Endpoint: "127.0.0.1:" + p(6), log: logPath}
	t.Cleanup(func() {
		// The group: weed may start helpers of its own.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		logf.Close()
	})
	s.Client, err = minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	// Ready when the gateway answers a signed request, with the volume
	// server registered so that writes succeed: a probe bucket is made and
	// one object written. A loaded machine may take a while.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err := s.probe()
		if err == nil {
			break
		}
		select {
		case e := <-exited:
			t.Fatalf("weed exited before it was ready (%v):\n%s", e, s.tail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("weed not ready after 3 minutes: %v\n%s", err, s.tail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return s
}

func (s *Server) probe() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, "probe", minio.MakeBucketOptions{}); err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" && minio.ToErrorResponse(err).Code != "BucketAlreadyExists" {
		return err
	}
	_, err := s.Client.PutObject(ctx, "probe", "ready", bytes.NewReader([]byte("ok")), 2, minio.PutObjectOptions{})
	return err
}

// tail is the end of the server's log, for failure messages.
func (s *Server) tail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Bucket makes a new bucket named name.
func (s *Server) Bucket(t testing.TB, name string) {
	t.Helper()
	if err := s.Client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v\n%s", name, err, s.tail())
	}
}

// URL is the blob URL of prefix in bucket on this server.
func (s *Server) URL(bucket, prefix string) string {
	return "s3://" + bucket + "/" + strings.Trim(prefix, "/") + "?endpoint=http://" + s.Endpoint + "&region=us-east-1"
}

// Env is the environment a newsvault process needs to use the server.
func (s *Server) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey}
}

// Object returns the stored bytes of the object at key in bucket.
func (s *Server) Object(t testing.TB, bucket, key string) []byte {
	t.Helper()
	obj, err := s.Client.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(obj); err != nil {
		t.Fatalf("read s3://%s/%s: %v", bucket, key, err)
	}
	return b.Bytes()
}

// Keys lists the object keys under prefix in bucket.
func (s *Server) Keys(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for o := range s.Client.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
