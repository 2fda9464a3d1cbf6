// Package s3blob keeps blobs in an S3-compatible bucket (AWS S3, SeaweedFS,
// MinIO, Ceph, R2…): the same content addressing, keys and stored bytes as
// the local directory (package blob), so a blob copied between the two keeps
// its name and content. A Put is durable when the server acknowledges it;
// Open streams the object. Credentials come from the standard AWS
// environment variables, never from the URL.
package s3blob

//newsvault:direct-client talks only to the S3 endpoint the operator configured in --blobs, never to an address taken from fetched content or a user; the SSRF guard is for those.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/newsvault/newsvault/internal/blob"
)

// DefaultTimeout bounds one Has or Put, and the wait for the first byte of
// an Open's reply.
const DefaultTimeout = time.Minute

// Config says which bucket to use and how to reach it.
type Config struct {
	Bucket   string
	Prefix   string // key prefix inside the bucket, without slashes at either end
	Endpoint string // host[:port]; empty means AWS S3
	Secure   bool   // HTTPS to the endpoint
	Region   string
	// Style is "path" (endpoint/bucket), "virtual" (bucket.endpoint) or
	// "auto" (the default: what the endpoint needs).
	Style string
	// Timeout bounds one Has or Put and the wait for an Open's reply
	// (default DefaultTimeout).
	Timeout time.Duration
	Creds   Credentials
}

// Credentials are an access key pair, with a session token for temporary
// credentials.
type Credentials struct {
	AccessKey, SecretKey, SessionToken string
}

// String names the bucket for logs and errors; it never holds a secret.
func (c Config) String() string {
	u := url.URL{Scheme: "s3", Host: c.Bucket, Path: "/" + c.Prefix}
	q := url.Values{}
	if c.Endpoint != "" {
		scheme := "https"
		if !c.Secure {
			scheme = "http"
		}
		q.Set("endpoint", scheme+"://"+c.Endpoint)
	}
	if c.Region != "" {
		q.Set("region", c.Region)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ParseURL reads s3://bucket/prefix?endpoint=…&region=…&style=path|virtual.
// The endpoint is a URL (http://127.0.0.1:8333) or a host (HTTPS is then
// used); without it the bucket is on AWS S3. Credentials in the URL are
// refused: they belong in the AWS environment variables.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("blob URL: %w", err)
	}
	if u.Scheme != "s3" {
		return Config{}, fmt.Errorf("blob URL %q: want s3://bucket/prefix", u.Redacted())
	}
	if u.User != nil {
		return Config{}, errors.New("blob URL: credentials do not go in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	c := Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Secure: true, Style: "auto"}
	if c.Bucket == "" {
		return Config{}, fmt.Errorf("blob URL %q: no bucket", raw)
	}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return Config{}, fmt.Errorf("blob URL: bucket %q: %w", c.Bucket, err)
	}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "endpoint":
			if !strings.Contains(v, "://") {
				v = "https://" + v
			}
			e, err := url.Parse(v)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || !validHost(e.Host) ||
				strings.Trim(e.Path, "/") != "" || e.User != nil || e.RawQuery != "" || e.Fragment != "" {
				return Config{}, fmt.Errorf("blob URL: endpoint %q: want http(s)://host[:port]", vs[len(vs)-1])
			}
			c.Endpoint, c.Secure = e.Host, e.Scheme == "https"
		case "region":
			if strings.Trim(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				return Config{}, fmt.Errorf("blob URL: region %q: want a name like us-east-1", v)
			}
			c.Region = v
		case "style":
			if v != "path" && v != "virtual" && v != "auto" {
				return Config{}, fmt.Errorf("blob URL: style %q: want path, virtual or auto", v)
			}
			c.Style = v
		default:
			return Config{}, fmt.Errorf("blob URL: unknown parameter %q (known: endpoint, region, style)", k)
		}
	}
	return c, nil
}

// validHost accepts host[:port] with a DNS name or an IP address.
func validHost(h string) bool {
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		host, port = h, ""
	}
	if port != "" && strings.Trim(port, "0123456789") != "" {
		return false
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	return strings.Trim(strings.ToLower(host), "abcdefghijklmnopqrstuvwxyz0123456789-.") == ""
}

// CredentialsFromEnv reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN through lookup.
func CredentialsFromEnv(lookup func(string) (string, bool)) (Credentials, error) {
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	c := Credentials{AccessKey: get("AWS_ACCESS_KEY_ID"), SecretKey: get("AWS_SECRET_ACCESS_KEY"), SessionToken: get("AWS_SESSION_TOKEN")}
	if c.AccessKey == "" || c.SecretKey == "" {
		return Credentials{}, errors.New("S3 blobs need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
	}
	return c, nil
}

// Store is a bucket (and key prefix) of blobs. It is safe for concurrent
// use, from any number of processes and machines.
type Store struct {
	c       *minio.Client
	cfg     Config
	codec   blob.Codec
	timeout time.Duration
}

// Open connects to the bucket cfg names and checks that it exists and the
// credentials may read it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint, cfg.Secure = "s3.amazonaws.com", true
	}
	lookup := minio.BucketLookupAuto
	switch cfg.Style {
	case "path":
		lookup = minio.BucketLookupPath
	case "virtual":
		lookup = minio.BucketLookupDNS
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   32,
		// Blobs are gzip already; the transport must hand over the
		// stored bytes, never a transparently decoded body.
		DisableCompression: true,
	}
	c, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.Creds.AccessKey, cfg.Creds.SecretKey, cfg.Creds.SessionToken),
		Secure:       cfg.Secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    tr,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 blobs %s: %w", cfg, err)
	}
	s := &Store{c: c, cfg: cfg, timeout: cfg.Timeout}
	octx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	ok, err := c.BucketExists(octx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 blobs %s: bucket %s: %w", cfg, cfg.Bucket, describe(err))
	}
	if !ok {
		return nil, fmt.Errorf("s3 blobs %s: bucket %s does not exist; create it first", cfg, cfg.Bucket)
	}
	return s, nil
}

// String names the bucket for logs and errors.
func (s *Store) String() string { return s.cfg.String() }

// Key returns the object key of the blob named hash.
func (s *Store) Key(hash string) string {
	if s.cfg.Prefix == "" {
		return blob.Key(hash)
	}
	return s.cfg.Prefix + "/" + blob.Key(hash)
}

// where names an object in errors: bucket and key.
func (s *Store) where(hash string) string {
	return "s3://" + s.cfg.Bucket + "/" + s.Key(hash)
}

// Has reports whether the blob named hash is in the bucket.
func (s *Store) Has(ctx context.Context, hash string) (bool, error) {
	if !blob.ValidHash(hash) {
		return false, fmt.Errorf("blob %q: %w", hash, blob.ErrBadHash)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.c.StatObject(ctx, s.cfg.Bucket, s.Key(hash), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if notFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("stat blob %s: %w", s.where(hash), describe(err))
}

// Put stores data and returns its hash; the blob is durable when it
// returns (the server acknowledged the whole object). Bytes already in the
// bucket are not sent again.
func (s *Store) Put(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("put blob: %w", err)
	}
	hash := blob.Hash(data)
	has, err := s.Has(ctx, hash)
	if err != nil {
		return "", err
	}
	if has {
		return hash, nil
	}
	err = s.codec.Encode(data, func(_ string, stored []byte) error {
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		// One PUT, never a multipart upload: the object appears whole or
		// not at all, and two writers of one blob write the same bytes.
		_, err := s.c.PutObject(ctx, s.cfg.Bucket, s.Key(hash), bytes.NewReader(stored), int64(len(stored)),
			minio.PutObjectOptions{ContentType: "application/gzip", DisableMultipart: true, SendContentMd5: true})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("put blob %s: %w", s.where(hash), describe(err))
	}
	return hash, nil
}

// PutDeferred is Put: an S3 write is durable when acknowledged, so there
// is nothing to defer. The sequence number is always 0.
func (s *Store) PutDeferred(ctx context.Context, data []byte) (string, uint64, error) {
	h, err := s.Put(ctx, data)
	return h, 0, err
}

// SyncTo returns at once: every Put is already durable.
func (s *Store) SyncTo(uint64) error { return nil }

// Get returns the bytes of the blob named hash, checking that they still
// hash to that name.
func (s *Store) Get(ctx context.Context, hash string) ([]byte, error) {
	return blob.ReadAll(ctx, s, hash)
}

// Open returns a reader streaming the blob's bytes; the caller closes it.
// ctx bounds the whole read.
func (s *Store) Open(ctx context.Context, hash string) (io.ReadCloser, error) {
	if !blob.ValidHash(hash) {
		return nil, fmt.Errorf("open blob %q: %w", hash, blob.ErrBadHash)
	}
	obj, err := s.c.GetObject(ctx, s.cfg.Bucket, s.Key(hash), minio.GetObjectOptions{})
	if err == nil {
		// The first request goes out here; a missing object shows now
		// rather than at the first Read.
		_, err = obj.Stat()
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if notFound(err) {
			return nil, fmt.Errorf("open blob %s: %w", s.where(hash), blob.ErrNotFound)
		}
		return nil, fmt.Errorf("open blob %s: %w", s.where(hash), describe(err))
	}
	zr, err := blob.Decode(obj)
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("open blob %s: %w", s.where(hash), err)
	}
	return &reader{ReadCloser: zr, obj: obj}, nil
}

type reader struct {
	io.ReadCloser
	obj *minio.Object
}

func (r *reader) Close() error {
	r.ReadCloser.Close()
	return r.obj.Close()
}

func notFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == minio.NoSuchKey || code == "NotFound"
}

// describe keeps the server's error code and message, which say more than
// the HTTP status (AccessDenied, NoSuchBucket, SignatureDoesNotMatch…).
func describe(err error) error {
	r := minio.ToErrorResponse(err)
	if r.Code == "" {
		return err
	}
	return fmt.Errorf("%s (HTTP %d): %w", r.Code, r.StatusCode, err)
}
