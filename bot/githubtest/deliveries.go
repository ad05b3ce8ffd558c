package githubtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Delivery is one attempt to deliver a webhook, as the App's delivery log
// (GET /app/hook/deliveries) shows it. A redelivery is a new Delivery with
// the same GUID and Redelivery set.
type Delivery struct {
	ID          int64
	GUID        string
	Event       string
	Action      string
	StatusCode  int    // 0 when the receiver could not be reached
	Status      string // "OK" for 2xx, else e.g. "Invalid HTTP Response: 503"
	Redelivery  bool
	DeliveredAt time.Time
	Payload     []byte
}

// webhookTarget is where Deliver and redelivery attempts send payloads.
type webhookTarget struct {
	url    string
	secret []byte
}

// SetWebhook configures the App's webhook: Deliver and every redelivery
// request (POST /app/hook/deliveries/{id}/attempts) then POST the payload
// to url, signed with secret, and record the outcome in the delivery log.
func (s *Server) SetWebhook(url string, secret []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhook = webhookTarget{url: url, secret: slices.Clone(secret)}
}

// RecordDelivery adds an entry to the App's delivery log without sending
// anything, stamped with the fake's clock, and returns its ID: for example
// a delivery that failed with 503 while tiergate was down (statusCode 0
// means "failed to connect"). An empty guid gets a fresh one; a guid
// already in the log records a redelivery.
func (s *Server) RecordDelivery(guid, event string, statusCode int, payload []byte) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	redelivery := slices.ContainsFunc(s.deliveries, func(d *Delivery) bool { return d.GUID == guid })
	return s.recordDelivery(guid, event, statusCode, redelivery, payload).ID
}

// Deliver sends payload as event to the configured webhook (SetWebhook),
// signed as GitHub signs it, records the outcome in the delivery log and
// returns the recorded delivery.
func (s *Server) Deliver(event string, payload []byte) Delivery {
	s.t.Helper()
	return s.send(newGUID(), event, false, payload)
}

// Deliveries returns the delivery log, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = *d
		out[i].Payload = slices.Clone(d.Payload)
	}
	return out
}

// RedeliveryRequests returns the delivery IDs tiergate asked to redeliver
// (POST /app/hook/deliveries/{id}/attempts), in order.
func (s *Server) RedeliveryRequests() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.redeliveryRequests)
}

// send POSTs payload to the configured webhook and records the outcome. It
// must be called without s.mu held: the receiver may call the fake.
func (s *Server) send(guid, event string, redelivery bool, payload []byte) Delivery {
	s.mu.Lock()
	target := s.webhook
	s.mu.Unlock()
	status := 0
	if target.url != "" {
		req, err := http.NewRequest(http.MethodPost, target.url, bytes.NewReader(payload))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "GitHub-Hookshot/githubtest")
			req.Header.Set("X-GitHub-Event", event)
			req.Header.Set("X-GitHub-Delivery", guid)
			req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
			req.Header.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(s.AppID, 10))
			req.Header.Set("X-Hub-Signature-256", Sign(target.secret, payload))
			client := &http.Client{Timeout: 10 * time.Second} // GitHub gives up after 10 s
			if resp, err := client.Do(req); err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.recordDelivery(guid, event, status, redelivery, payload)
}

// recordDelivery appends to the delivery log; s.mu is held.
func (s *Server) recordDelivery(guid, event string, statusCode int, redelivery bool, payload []byte) *Delivery {
	if guid == "" {
		guid = newGUID()
	}
	var action struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal(payload, &action)
	s.nextID++
	d := &Delivery{
		ID: s.nextID, GUID: guid, Event: event, Action: action.Action,
		StatusCode: statusCode, Status: deliveryStatus(statusCode),
		Redelivery: redelivery, DeliveredAt: s.now(), Payload: slices.Clone(payload),
	}
	s.deliveries = append(s.deliveries, d)
	return d
}

func deliveryStatus(code int) string {
	switch {
	case code == 0:
		return "failed to connect to host"
	case code >= 200 && code < 300:
		return "OK"
	default:
		return fmt.Sprintf("Invalid HTTP Response: %d", code)
	}
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// deliveryItem is GitHub's "hook-delivery-item"; every field is required.
type deliveryItem struct {
	ID             int64     `json:"id"`
	GUID           string    `json:"guid"`
	DeliveredAt    time.Time `json:"delivered_at"`
	Redelivery     bool      `json:"redelivery"`
	Duration       float64   `json:"duration"`
	Status         string    `json:"status"`
	StatusCode     int       `json:"status_code"`
	Event          string    `json:"event"`
	Action         *string   `json:"action"`
	InstallationID *int64    `json:"installation_id"`
	RepositoryID   *int64    `json:"repository_id"`
}

func (d *Delivery) item() deliveryItem {
	var payload struct {
		Installation *struct {
			ID int64 `json:"id"`
		} `json:"installation"`
		Repository *struct {
			ID int64 `json:"id"`
		} `json:"repository"`
	}
	_ = json.Unmarshal(d.Payload, &payload)
	it := deliveryItem{
		ID: d.ID, GUID: d.GUID, DeliveredAt: d.DeliveredAt, Redelivery: d.Redelivery, Duration: 0.05,
		Status: d.Status, StatusCode: d.StatusCode, Event: d.Event,
	}
	if d.Action != "" {
		it.Action = &d.Action
	}
	if payload.Installation != nil {
		it.InstallationID = &payload.Installation.ID
	}
	if payload.Repository != nil {
		it.RepositoryID = &payload.Repository.ID
	}
	return it
}

// handleDeliveries lists the delivery log newest first with GitHub's cursor
// pagination: per_page (default 30, at most 100) and an opaque cursor
// taken from the Link header's rel="next" URL.
func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage := queryInt(r, "per_page", 30)
	if perPage < 1 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	from := int64(1<<63 - 1)
	if c := q.Get("cursor"); c != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(c, "v1_"), 10, 64)
		if err != nil || !strings.HasPrefix(c, "v1_") {
			writeError(w, http.StatusBadRequest, "Invalid cursor")
			return
		}
		from = id
	}
	var matched []*Delivery
	for i := len(s.deliveries) - 1; i >= 0; i-- {
		d := s.deliveries[i]
		ok := d.StatusCode >= 200 && d.StatusCode < 400
		switch {
		case d.ID > from:
		case q.Get("status") == "success" && !ok, q.Get("status") == "failure" && ok:
		default:
			matched = append(matched, d)
		}
	}
	out := []deliveryItem{}
	for _, d := range matched[:min(perPage, len(matched))] {
		out = append(out, d.item())
	}
	if len(matched) > perPage {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		q.Set("cursor", "v1_"+strconv.FormatInt(matched[perPage].ID, 10))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
	}
	writeJSON(w, http.StatusOK, out)
}

// deliveryOf finds the delivery named in the path or answers 404.
func (s *Server) deliveryOf(w http.ResponseWriter, r *http.Request) *Delivery {
	id, _ := strconv.ParseInt(r.PathValue("delivery_id"), 10, 64)
	for _, d := range s.deliveries {
		if d.ID == id {
			return d
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
	return nil
}

func (s *Server) handleDelivery(w http.ResponseWriter, r *http.Request) {
	d := s.deliveryOf(w, r)
	if d == nil {
		return
	}
	type hookMessage struct {
		Headers map[string]string `json:"headers"`
		Payload json.RawMessage   `json:"payload"`
	}
	payload := json.RawMessage("null")
	if json.Valid(d.Payload) {
		payload = d.Payload
	}
	writeJSON(w, http.StatusOK, struct {
		deliveryItem
		URL      string      `json:"url"`
		Request  hookMessage `json:"request"`
		Response hookMessage `json:"response"`
	}{
		deliveryItem: d.item(),
		URL:          s.webhook.url,
		Request:      hookMessage{Headers: map[string]string{"X-GitHub-Event": d.Event, "X-GitHub-Delivery": d.GUID}, Payload: payload},
		Response:     hookMessage{Headers: map[string]string{}, Payload: json.RawMessage("null")},
	})
}

// handleRedeliver records the request and, as GitHub does, answers 202 and
// delivers in the background: to the configured webhook if any (the new
// attempt lands in the delivery log as a redelivery), else not at all.
func (s *Server) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	d := s.deliveryOf(w, r)
	if d == nil {
		return
	}
	s.redeliveryRequests = append(s.redeliveryRequests, d.ID)
	if s.webhook.url != "" {
		guid, event, payload := d.GUID, d.Event, slices.Clone(d.Payload)
		go s.send(guid, event, true, payload)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{})
}
