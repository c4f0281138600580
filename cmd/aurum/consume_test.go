package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/topology"
)

// TestConsumeStreams checks the wiring `aurum consume` and `aurum dev` share:
// every stream is a consumer group topology declares, with its topics, and
// a name the command line takes.
func TestConsumeStreams(t *testing.T) {
	t.Parallel()
	names, clients := map[string]bool{}, map[string]bool{}
	for _, s := range streams {
		if g, ok := topology.LookupGroup(s.group); !ok || len(g.Topics) == 0 {
			t.Errorf("stream %s: group %s is not declared with topics in topology", s.name, s.group)
		}
		if names[s.name] || clients[s.client] {
			t.Errorf("stream %s: name or client %s used twice", s.name, s.client)
		}
		names[s.name], clients[s.client] = true, true
	}
	for name, args := range map[string][]string{
		"no stream":      {},
		"unknown stream": {"nope"},
		"two streams":    {"curves", "iso"},
	} {
		err := runConsume(context.Background(), args)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "curves, series, catalog, iso") {
			t.Errorf("%s: %v, want a usage error listing the streams", name, err)
		}
	}
}
