package testenv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"

	"github.com/aurum-energy/aurum/internal/testenv"
)

const helperEnv = "AURUM_TEST_TESTENV_HELPER"

type helperConfig struct {
	Greeting string `json:"greeting"`
	Fail     bool   `json:"fail"`
}

// TestHelperProcess is not a test: re-executed by TestHelperProcessLifecycle,
// it greets, then fails or waits for SIGTERM.
func TestHelperProcess(t *testing.T) {
	testenv.RunHelper(t, helperEnv, func(ctx context.Context, cfg helperConfig) error {
		fmt.Println(cfg.Greeting)
		if cfg.Fail {
			return errors.New("failing as asked")
		}
		<-ctx.Done()
		return nil
	})
}

func TestHelperProcessLifecycle(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts processes")
	}
	h := testenv.NewHelperProcess(t, "helper", helperEnv, helperConfig{Greeting: "hello"})
	if err := h.Start().Stop(); err != nil {
		t.Errorf("helper exited with %v after SIGTERM, want success", err)
	}
	if n := bytes.Count(h.Output(), []byte("hello\n")); n != 1 {
		t.Errorf("output has %d greetings, want 1:\n%s", n, h.Output())
	}
	p := h.Start()
	p.Kill()
	if err := p.Wait(); err == nil {
		t.Error("killed helper exited successfully")
	}

	failing := testenv.NewHelperProcess(t, "failing helper", helperEnv, helperConfig{Greeting: "bye", Fail: true})
	var exit *exec.ExitError
	if err := failing.Start().Wait(); !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("failing helper exited with %v, want exit status 1", err)
	}
	if !bytes.Contains(failing.Output(), []byte("helper: failing as asked")) {
		t.Errorf("failing helper's output lacks its error:\n%s", failing.Output())
	}
}
