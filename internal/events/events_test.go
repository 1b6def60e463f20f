package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/testenv/natstest"
)

// Every process ensures the streams at start: a definition that did not
// change is left alone (the server announces no update), one that did is
// updated.
func TestEnsureStreamUpdatesOnlyWhatChanged(t *testing.T) {
	_, nc, js := natstest.Start(t)
	ctx := context.Background()
	updates := make(chan *nats.Msg, 8)
	sub, err := nc.ChanSubscribe("$JS.EVENT.ADVISORY.STREAM.UPDATED.>", updates)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	for range 2 {
		if _, err := events.EnsureStream(ctx, js, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := events.EnsureAdvisoryStream(ctx, js, 1); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case m := <-updates:
		t.Fatalf("an unchanged stream was updated: %s", m.Subject)
	case <-time.After(500 * time.Millisecond):
	}

	// A stream left with another definition (an older version's) is brought in line.
	old := events.StreamConfig(1)
	old.MaxAge = 30 * 24 * time.Hour
	if _, err := js.UpdateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	<-updates // our own change
	s, err := events.EnsureStream(ctx, js, 1)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-updates:
	case <-time.After(5 * time.Second):
		t.Fatal("a changed definition was not updated")
	}
	if got := s.CachedInfo().Config.MaxAge; got != events.StreamConfig(1).MaxAge {
		t.Errorf("max age %v after ensure", got)
	}
}
