package githubtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specFile is GitHub's REST description trimmed to the operations the bot
// uses; see testdata/SOURCE.md.
const specFile = "openapi.json"

// validator checks requests against GitHub's OpenAPI description. It is
// read-only once built.
type validator struct {
	router routers.Router
}

// loadValidator builds the validator once per test binary: loading and
// routing the description costs about 100 ms, too much for every New.
// The value is never modified after it is built.
var loadValidator = sync.OnceValues(newValidator)

func newValidator() (*validator, error) {
	data, err := os.ReadFile(filepath.Join(packageDir(), "testdata", specFile))
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI description: %w", err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI description: %w", err)
	}
	// The fake serves under a GitHub Enterprise style prefix on any host.
	doc.Servers = openapi3.Servers{{URL: apiPrefix}}
	// A contents path holds slashes ("dir/file.yml"); GitHub's template
	// "{path}" would only match one segment in gorilla/mux syntax.
	for key, item := range doc.Paths.Map() {
		if strings.HasSuffix(key, "/contents/{path}") {
			doc.Paths.Delete(key)
			doc.Paths.Set(strings.TrimSuffix(key, "{path}")+"{path:.+}", item)
		}
	}
	dropInlineDiscriminators(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route OpenAPI description: %w", err)
	}
	return &validator{router: router}, nil
}

// dropInlineDiscriminators removes request-body discriminators whose
// oneOf alternatives are inline schemas. GitHub's check-run create body
// has one on "status", which makes kin-openapi demand a status GitHub
// itself defaults to "queued"; the oneOf still enforces "completed needs a
// conclusion" without it.
func dropInlineDiscriminators(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, media := range op.RequestBody.Value.Content {
				if media.Schema == nil || media.Schema.Value == nil || media.Schema.Value.Discriminator == nil {
					continue
				}
				inline := true
				for _, alt := range media.Schema.Value.OneOf {
					inline = inline && alt.Ref == ""
				}
				if inline {
					media.Schema.Value.Discriminator = nil
				}
			}
		}
	}
}

// check validates r (whose body has been read into body) and returns the
// OpenAPI path template it matched, e.g. "/repos/{owner}/{repo}/pulls".
// A non-nil error means the request is not one GitHub documents: status is
// 404 for an unknown path and 400 for bad parameters or body.
func (v *validator) check(ctx context.Context, r *http.Request, body []byte) (template string, status int, err error) {
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			return "", http.StatusNotFound, fmt.Errorf("method not in GitHub's API description: %w", err)
		}
		return "", http.StatusNotFound, fmt.Errorf("path not in GitHub's API description: %w", err)
	}
	template = strings.Replace(route.Path, "{path:.+}", "{path}", 1)
	clone := r.Clone(ctx)
	clone.Body = io.NopCloser(bytes.NewReader(body))
	if string(bytes.TrimSpace(body)) == "null" {
		// ghinstallation posts a JSON null when no token options are set;
		// GitHub takes it as no parameters, the description does not allow
		// it, so validate it as an empty body.
		clone.Body, clone.ContentLength = http.NoBody, 0
		clone.Header.Del("Content-Type")
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			// The fake checks tokens itself; here only shapes matter.
			AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
			MultiError:         true,
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		return template, http.StatusBadRequest, fmt.Errorf("request does not match GitHub's API description: %w", shorten(err))
	}
	return template, 0, nil
}

// shorten drops the schema dumps kin-openapi appends to its messages; the
// first line of each says what is wrong.
func shorten(err error) error {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		msgs := make([]string, 0, len(me))
		for _, e := range me {
			msgs = append(msgs, firstLine(e.Error()))
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return errors.New(firstLine(err.Error()))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
