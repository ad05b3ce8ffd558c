package bot

import (
	"errors"
	"fmt"

	"github.com/rs/zerolog"
)

// New builds a server from s: its metrics, the evaluator that talks to
// GitHub, the queue and its workers (started by Serve).
//
// Zero fields of s take the documented defaults, except the App ID, key and
// webhook secret, which are required: without a secret anyone could forge
// events.
func New(s Settings, logger zerolog.Logger) (*Server, error) {
	if len(s.WebhookSecret) == 0 {
		return nil, errors.New("a webhook secret is required: tiergate refuses unsigned webhooks")
	}
	if s.AppID <= 0 {
		return nil, errors.New("a positive GitHub App ID is required")
	}
	s = s.withDefaults()
	m := NewMetrics()
	ev, err := NewEvaluator(EvaluatorOptions{
		AppID:         s.AppID,
		PrivateKey:    s.PrivateKey,
		APIURL:        s.APIURL,
		OrgConfigRepo: s.OrgConfigRepo,
		ConfigPath:    s.ConfigPath,
		CheckName:     s.CheckName,
		DetailsURL:    s.DetailsURL,
		Metrics:       m,
		Retry:         s.Retry,

		RequireOrgConfig: s.RequireOrgConfig,
	})
	if err != nil {
		return nil, fmt.Errorf("set up the GitHub client: %w", err)
	}
	return newServer(s, logger, m, ev, queueOptions{Workers: s.Workers, Debounce: max(s.Debounce, 0)}), nil
}
