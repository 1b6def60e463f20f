package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// filing is one complaint the load filed: its idempotency key, and the
// reference of the case the API answered 201 with ("" if no attempt got a
// 201).
type filing struct {
	key       string
	reference string
	attempts  int
	refused   string // a 4xx other than a retryable one: the answer
}

// load files complaints at rate per second with at most concurrency in
// flight, each under its own Idempotency-Key, alternating between the APIs;
// a filing is retried under the same key (on the other API) until it gets a
// 201 or giveUp passes — as a careful client does.
type load struct {
	apis        []string
	rate        int
	concurrency int
	giveUp      time.Duration

	mu       sync.Mutex
	filings  []*filing
	answers  map[int]int // status → count, over every attempt (0: no answer)
	inFlight atomic.Int64
}

func (l *load) run(ctx context.Context) {
	l.answers = map[int]int{}
	client := &http.Client{Timeout: 15 * time.Second}
	sem := make(chan struct{}, l.concurrency)
	tick := time.NewTicker(time.Second / time.Duration(l.rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	n := 0
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-tick.C:
		}
		select {
		case sem <- struct{}{}:
		default:
			continue // the bound: never more than concurrency in flight
		}
		f := &filing{key: uuid.NewString()}
		l.mu.Lock()
		l.filings = append(l.filings, f)
		l.mu.Unlock()
		n++
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			l.file(client, f, i)
		}(n)
	}
}

var retryable = map[int]bool{0: true, 408: true, 409: true, 425: true, 429: true}

func (l *load) file(client *http.Client, f *filing, i int) {
	body, _ := json.Marshal(map[string]any{
		"kind": "concern", "ai_system_other": "a scheduling system", "informed_of_ai": "unsure",
		"description": fmt.Sprintf("Chaos filing %d: the scheduling system cut my hours without telling me why.", i),
		"rights":      []string{"other"}, "anonymous": true,
	})
	deadline := time.Now().Add(l.giveUp)
	backoff := 100 * time.Millisecond
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		f.attempts++
		api := l.apis[(i+attempt)%len(l.apis)]
		status, ref := post(client, api+"/api/v1/cases", f.key, body)
		l.mu.Lock()
		l.answers[status]++
		l.mu.Unlock()
		switch {
		case status == http.StatusCreated:
			f.reference = ref
			return
		case status >= 400 && status < 500 && !retryable[status]:
			f.refused = fmt.Sprint(status)
			return
		}
		time.Sleep(backoff)
		backoff = min(backoff*2, 2*time.Second)
	}
}

func post(client *http.Client, url, key string, body []byte) (int, string) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, ""
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	r, err := client.Do(req)
	if err != nil {
		return 0, ""
	}
	defer r.Body.Close()
	raw, _ := io.ReadAll(r.Body)
	var rec struct {
		Reference string `json:"reference"`
	}
	if r.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(raw, &rec); err != nil || rec.Reference == "" {
			return 1, "" // a 201 without a reference: counted apart
		}
	}
	return r.StatusCode, rec.Reference
}
