// Package browsertest drives a web page in headless Chromium for tests:
// the workbench's browser tests open a Page, act on it as a user would
// (clicks, keys, form values), read it back with JavaScript, check it with
// axe-core and fail on anything the page logged as an error.
//
// Chromium comes from the machine (Debian's chromium package); without it
// Open skips the test with a message saying how to install it.
package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (testdata/axe), the accessibility checker run in
// the page.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// Timeout bounds each action and each wait.
const Timeout = 30 * time.Second

// Path finds Debian's Chromium (or another Chrome); "" when there is none.
func Path() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// SkipWithoutBrowser skips the test when the machine has no Chromium.
func SkipWithoutBrowser(t testing.TB) {
	t.Helper()
	if Path() == "" {
		t.Skip("no Chromium on this machine (apt-get install chromium): the browser test is skipped")
	}
}

// Page is one browser tab, with the console errors and exceptions of what
// it loaded.
type Page struct {
	// T is the test that Page's methods fail; a subtest sets its own.
	T   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// Open starts a headless Chromium of its own (a fresh profile, so nothing
// is cached) for the test and returns its tab.
func Open(t *testing.T) *Page {
	t.Helper()
	SkipWithoutBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// This machine's network is closed: no background connections.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	p := &Page{T: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatal(err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				p.mu.Lock()
				p.problems = append(p.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// Context is the tab's chromedp context, for what Page has no method for.
func (p *Page) Context() context.Context { return p.ctx }

// Do runs actions on the tab.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.T.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func Eval[T any](p *Page, expr string, opts ...chromedp.EvaluateOption) T {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		p.T.Fatalf("%s: %v", expr, err)
	}
	return v
}

// Wait polls a JavaScript expression until it is truthy. A poll whose
// document went away under it (a navigation) starts again in the new one.
func (p *Page) Wait(what, expr string) {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		if ctx.Err() != nil || !strings.Contains(err.Error(), "Cannot find context with specified id") {
			p.T.Fatalf("waiting for %s (%s): %v", what, expr, err)
		}
	}
}

// Points is the data-points attribute of the element with the id: how
// many points a chart of the workbench drew.
func (p *Page) Points(id string) int {
	p.T.Helper()
	return Eval[int](p, fmt.Sprintf(`+document.getElementById(%q).dataset.points`, id))
}

// Set sets a form control's value as a user would, firing its change event.
func (p *Page) Set(id, value string) {
	p.T.Helper()
	Eval[bool](p, fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q;
		e.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, id, value))
}

// Screenshot saves the whole page as name.png among the test's artefacts
// (go test -artifacts keeps them).
func (p *Page) Screenshot(name string) {
	p.T.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG
	if err != nil {
		p.T.Fatal(err)
	}
	path := filepath.Join(p.T.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.T.Fatal(err)
	}
	p.T.Logf("screenshot %s", path)
}

// Accessible runs axe-core's checks of WCAG 2.1 A and AA (form labels,
// names, contrast among them) on what the page shows now, failing the test
// for each violation.
func (p *Page) Accessible(view string) {
	p.T.Helper()
	if !Eval[bool](p, `typeof axe !== 'undefined'`) {
		Eval[bool](p, axeSource+";true")
	}
	type violation struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []string `json:"target"`
		} `json:"nodes"`
	}
	violations := Eval[[]violation](p, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations)`, chromedp.EvalAwaitPromise)
	for _, v := range violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, strings.Join(n.Target, " "))
		}
		p.T.Errorf("%s: accessibility %s (%s) at %v", view, v.ID, v.Help, targets)
	}
}

// Problems returns the console errors and exceptions since the last call
// of Problems or NoProblems.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.problems
	p.problems = nil
	return out
}

// NoProblems fails the test for every console error or exception since
// the last call of Problems or NoProblems.
func (p *Page) NoProblems() {
	p.T.Helper()
	for _, s := range p.Problems() {
		p.T.Errorf("the page logged %s", s)
	}
}
