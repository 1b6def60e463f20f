package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/redresshq/redress/internal/grievance"
)

// story is one kind of complaint the load generator files, with its text varied per request.
type story struct {
	kind, system, informed string
	description, outcome   string
	rights, harms          []string
}

var stories = []story{
	{"contest_decision", "The scheduling app at my warehouse", "no",
		"My hours were cut to zero by the scheduling system after I took sick leave.",
		"Restore my hours and pay me for the lost shifts.", []string{"work", "non_discrimination"}, []string{"financial"}},
	{"explanation_request", "The online loan application", "yes",
		"My loan application was refused within seconds and nobody can tell me which facts the score used.",
		"Tell me the main reasons and let a person look at my application again.",
		[]string{"credit_and_essential_services"}, []string{"loss_of_opportunity"}},
	{"concern", "The benefits office chatbot", "unsure",
		"The assistant refused to pass my complaint to a person and kept repeating the same answer.",
		"", []string{"social_security", "due_process"}, nil},
	{"contest_decision", "Automated CV screening at a recruitment agency", "no",
		"I was rejected for every job at the agency in under a minute, although I meet all the listed requirements.",
		"Have a recruiter read my application.", []string{"work", "non_discrimination"},
		[]string{"loss_of_opportunity", "discriminatory_treatment"}},
}

// longAccount makes every fifth description about 1 KB, as a complainant
// telling the whole story would.
const longAccount = " Before this I had worked there for three years without a single complaint about my work, " +
	"and nobody explained what the system looked at or how I could ask a person to check it."

// casesTargeter files a different complaint on every call: the stories in
// turn, numbered descriptions, and every fourth one identified with contact
// details and an AI system from the public register (when it lists any).
// It is safe for concurrent use, as vegeta's workers call it concurrently.
func casesTargeter(url string, systems []string) vegeta.Targeter {
	var seq atomic.Uint64
	header := http.Header{"Content-Type": []string{"application/json"}}
	today := time.Now().UTC()
	return func(t *vegeta.Target) error {
		n := seq.Add(1)
		body, err := json.Marshal(caseBody(n, systems, today))
		if err != nil {
			return err
		}
		*t = vegeta.Target{Method: http.MethodPost, URL: url, Body: body, Header: header}
		return nil
	}
}

func caseBody(n uint64, systems []string, today time.Time) *grievance.IntakeRequest {
	st := stories[n%uint64(len(stories))]
	description := fmt.Sprintf("%s (complaint %d)", st.description, n)
	if n%5 == 0 {
		description += strings.Repeat(longAccount, 5)
	}
	anonymous := true
	req := &grievance.IntakeRequest{
		Kind:              st.kind,
		AISystemOther:     st.system,
		DecisionReference: fmt.Sprintf("REF-%06d", n%1000000),
		DecisionDate:      today.AddDate(0, 0, -int(n%60)).Format(time.DateOnly),
		InformedOfAI:      st.informed,
		Description:       description,
		Rights:            st.rights,
		HarmTypes:         st.harms,
		DesiredOutcome:    st.outcome,
		Language:          "en",
		Anonymous:         &anonymous,
	}
	if n%4 == 0 && len(systems) > 0 {
		identified := false
		req.Anonymous = &identified
		req.AISystemOther = ""
		req.AISystemID = systems[(n/4)%uint64(len(systems))]
		req.Contact = &grievance.Contact{
			Name:             fmt.Sprintf("Complainant %d", n),
			Email:            fmt.Sprintf("complainant-%d@example.org", n),
			PreferredChannel: "email",
		}
	}
	return req
}

// apiResult is one step of load against POST /api/v1/cases.
type apiResult struct {
	Requests  uint64
	Created   uint64         // answered 201
	Rate      float64        // cases created per second
	P50, P99  time.Duration  // latency of every request, successful or not
	Statuses  map[int]int    // answers other than 201; 0 is a transport error
	Samples   map[int]string // the first body (or transport error) of each such answer
	Errors    []string       // distinct transport errors and statuses, as vegeta reports them
	Wallclock time.Duration
}

// Success is the share of requests answered 201.
func (r apiResult) Success() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Created) / float64(r.Requests)
}

// OtherStatuses lists the answers other than 201, for example "422×3, 0×1".
func (r apiResult) OtherStatuses() string {
	codes := make([]int, 0, len(r.Statuses))
	for c := range r.Statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, r.Statuses[c])
	}
	return strings.Join(parts, ", ")
}

// attack keeps exactly workers requests in flight for d: vegeta with an
// unbounded rate (Rate{Freq: 0}) and as many workers as it may ever use, so
// each worker sends its next request as soon as the last one is answered.
func attack(ctx context.Context, tr vegeta.Targeter, workers int, d time.Duration) apiResult {
	atk := closedLoop(workers)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()

	res := apiResult{Statuses: map[int]int{}, Samples: map[int]string{}}
	var m vegeta.Metrics
	for r := range atk.Attack(tr, vegeta.Rate{Freq: 0}, d, "cases-"+strconv.Itoa(workers)) {
		m.Add(r)
		if r.Code == http.StatusCreated {
			res.Created++
		} else {
			code := int(r.Code)
			if res.Statuses[code]++; res.Statuses[code] == 1 {
				res.Samples[code] = clip(r.Error+" "+string(r.Body), 300)
			}
		}
	}
	m.Close()
	res.Requests = m.Requests
	res.Wallclock = m.Duration + m.Wait
	if s := res.Wallclock.Seconds(); s > 0 {
		res.Rate = float64(res.Created) / s
	}
	res.P50, res.P99 = m.Latencies.P50, m.Latencies.P99
	res.Errors = m.Errors
	return res
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// closedLoop is an attacker that keeps exactly workers requests in flight
// (with an unbounded rate): each worker sends its next request as soon as
// the last one is answered.
func closedLoop(workers int) *vegeta.Attacker {
	return vegeta.NewAttacker(
		vegeta.Workers(uint64(workers)),
		vegeta.MaxWorkers(uint64(workers)),
		vegeta.Connections(workers),
		vegeta.KeepAlive(true),
		vegeta.Timeout(30*time.Second),
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.Proxy(nil), // straight to 127.0.0.1 whatever HTTP_PROXY says
	)
}
