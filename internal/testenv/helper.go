package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
)

// helperReady is the line a helper process prints once it handles SIGTERM.
const helperReady = "testenv: helper ready"

// outputTail is how much of its helpers' output a failed test logs.
const outputTail = 6000

// HelperProcess starts the processes of a crash test: each re-executes the
// test binary to run only its TestHelperProcess, which calls RunHelper. The
// output of every process it started goes to one buffer, whose tail is
// logged if the test fails.
type HelperProcess struct {
	t      testing.TB
	env    string
	output Buffer
	mu     sync.Mutex
	live   []*Helper
}

// NewHelperProcess prepares helper processes for t: they receive cfg as JSON
// in the environment variable env. name says what they are in the failure
// log ("worker"). Processes still running when the test ends are killed.
func NewHelperProcess(t testing.TB, name, env string, cfg any) *HelperProcess {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &HelperProcess{t: t, env: env + "=" + string(raw)}
	t.Cleanup(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, p := range h.live {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(h.output.Bytes(), outputTail))
		}
	})
	return h
}

// Output is everything the helper processes wrote so far.
func (h *HelperProcess) Output() []byte { return h.output.Bytes() }

// Start starts a helper process and returns once it is ready (or has
// exited).
func (h *HelperProcess) Start() *Helper {
	h.t.Helper()
	ready := make(chan struct{})
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), h.env)
	cmd.Stderr = &h.output
	cmd.Stdout = &readyWriter{out: &h.output, ready: ready}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	p := &Helper{t: h.t, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	h.mu.Lock()
	h.live = append(h.live, p)
	h.mu.Unlock()
	select {
	case <-ready:
	case <-p.done:
	}
	return p
}

// Helper is one running helper process.
type Helper struct {
	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Kill kills the process with SIGKILL and waits for it to exit.
func (p *Helper) Kill() {
	p.t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		p.t.Fatal(err)
	}
	<-p.done
}

// Stop asks the process to stop with SIGTERM and returns how it exited.
func (p *Helper) Stop() error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	return p.Wait()
}

// Done is closed when the process has exited.
func (p *Helper) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns how it exited.
func (p *Helper) Wait() error {
	<-p.done
	return p.err
}

// RunHelper is the body of a crash test's TestHelperProcess. In the test
// binary's own run it skips t; in a process started by HelperProcess it
// decodes the configuration from env, tells the parent it is ready and runs
// run, whose ctx SIGTERM cancels, then exits: 0 if run succeeded or was
// stopped, 1 if it failed, 2 for a bad configuration.
func RunHelper[C any](t *testing.T, env string, run func(ctx context.Context, cfg C) error) {
	raw := os.Getenv(env)
	if raw == "" {
		t.Skip("runs only as the helper process of a crash test")
	}
	var cfg C
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fmt.Println(helperReady)
	if err := run(ctx, cfg); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// readyWriter copies a helper's stdout to out and closes ready at the
// readiness line.
type readyWriter struct {
	out   io.Writer
	ready chan struct{}
	line  []byte
	seen  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	if !w.seen {
		w.line = append(w.line, p...)
		for {
			i := bytes.IndexByte(w.line, '\n')
			if i < 0 {
				break
			}
			if string(w.line[:i]) == helperReady {
				w.seen = true
				close(w.ready)
				w.line = nil
				break
			}
			w.line = w.line[i+1:]
		}
	}
	return w.out.Write(p)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
