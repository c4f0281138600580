package main

import (
	"context"
	"errors"
	"flag"
	"testing"
	"time"
)

func TestCollectUsage(t *testing.T) {
	t.Parallel()
	if err := runCollect(context.Background(), []string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
	for name, args := range map[string][]string{
		"no source":      {},
		"unknown source": {"nope"},
		"no fred series": {"fred"},
		"bad since":      {"fred", "--series", "GDP", "--since", "yesterday"},
	} {
		if err := runCollect(context.Background(), args); !errors.Is(err, errUsage) {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
	}
}

func TestCollectWindow(t *testing.T) {
	t.Parallel()
	f := collectFlags{since: "2020-01-01", until: "2020-12-31"}
	w, err := f.window()
	if err != nil {
		t.Fatal(err)
	}
	if !w.Since.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!w.Until.Equal(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)) {
		t.Errorf("window %v", w)
	}
	if got := (&collectFlags{series: " GDP, ,CPILFESL"}).seriesList(); len(got) != 2 || got[1] != "CPILFESL" {
		t.Errorf("series %q", got)
	}
}
