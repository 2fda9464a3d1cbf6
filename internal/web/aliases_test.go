package web

import (
	"github.com/newsvault/newsvault/internal/jobs"
	"github.com/newsvault/newsvault/internal/web/api"
	webauth "github.com/newsvault/newsvault/internal/web/auth"
	"github.com/newsvault/newsvault/internal/web/input"
)

// The server's tests drive it over HTTP; these names let them speak of
// the parts' types and limits as they did when the parts lived here.

type (
	articleJSON   = api.ArticleJSON
	versionJSON   = api.VersionJSON
	searchHitJSON = api.SearchHitJSON
	sourceJSON    = api.SourceJSON
	jobJSON       = api.JobJSON
)

const (
	accessWrite     = webauth.AccessWrite
	accessSubmit    = webauth.AccessSubmit
	accessOpen      = webauth.AccessOpen
	accessSignedIn  = webauth.AccessSignedIn
	sessionCookie   = webauth.SessionCookie
	csrfField       = webauth.CSRFField
	csrfHeader      = webauth.CSRFHeader
	maxJSON         = api.MaxJSON
	maxOPML         = input.MaxOPML
	defaultInterval = input.DefaultInterval
	JobQueued       = jobs.Queued
	JobRunning      = jobs.Running
	JobDone         = jobs.Done
	JobFailed       = jobs.Failed
)

var openAPISpec = api.Spec
