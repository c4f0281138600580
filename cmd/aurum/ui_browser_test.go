package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeSource is axe-core (testdata/axe), the accessibility checker run in
// the page.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// maxPageBytes bounds what the curves view transfers on its first load:
// the page, its script and style sheet and the API answers it draws.
const maxPageBytes = 300 << 10

// browserPath finds Debian's Chromium (or another Chrome).
func browserPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// page is one browser tab on the workbench, collecting the console errors
// and exceptions the page raises.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

func newPage(t *testing.T, base string) *page {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
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
	p := &page{t: t, ctx: ctx, base: base}
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

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page into out.
func eval[T any](p *page, expr string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript expression until it is truthy.
func (p *page) wait(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		p.t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// points is the data-points attribute of a chart: how many points it drew.
func (p *page) points(id string) int {
	p.t.Helper()
	return eval[int](p, fmt.Sprintf(`+document.getElementById(%q).dataset.points`, id))
}

// set sets a form control's value as a user would, firing its change event.
func (p *page) set(id, value string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q;
		e.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, id, value))
}

// screenshot saves the page as a test artefact (go test -artifacts).
func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(p.t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", path)
}

// accessible runs axe-core's checks of WCAG 2 A and AA (labels, names,
// contrast among them) on what the page shows now.
func (p *page) accessible(view string) {
	p.t.Helper()
	if !eval[bool](p, `typeof axe !== 'undefined'`) {
		eval[bool](p, axeSource+";true")
	}
	type violation struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []string `json:"target"`
		} `json:"nodes"`
	}
	violations := eval[[]violation](p, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations)`, chromedp.EvalAwaitPromise)
	for _, v := range violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, strings.Join(n.Target, " "))
		}
		p.t.Errorf("%s view: accessibility %s (%s) at %v", view, v.ID, v.Help, targets)
	}
}

// noProblems fails the test for every console error or exception so far.
func (p *page) noProblems() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.problems {
		p.t.Errorf("the page logged %s", s)
	}
	p.problems = nil
}

// TestWorkbenchInBrowser drives the workbench at /ui of `aurum dev` in
// headless Chromium: each view draws as many points as the API has for
// what it shows, a second as-of date draws the differences, strips draw,
// the CSV export holds what is shown, a run started from the page reaches
// SUCCEEDED on screen, the page is usable from the keyboard, passes axe's
// checks and logs no error. It reports the curves view's first paint and
// page weight; it fails when the weight is over 300 kB.
func TestWorkbenchInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test in -short mode")
	}
	if browserPath() == "" {
		t.Skip("no Chromium on this machine (apt-get install chromium): the workbench's browser test is skipped")
	}
	d := startDevWith(t, serverReachableTempDir(t), [3]int{freePort(t), freePort(t), freePort(t)}, "--demo-interval", "1h")
	defer d.shutdown(t)
	base := "http://" + d.api
	latest := time.Now().UTC()
	for latest.Weekday() == time.Saturday || latest.Weekday() == time.Sunday {
		latest = latest.AddDate(0, 0, -1)
	}
	for _, path := range []string{"/v1/curves?limit=1&asof=" + latest.Format(time.DateOnly), "/v1/iso/lmp?iso=PJM&limit=1", "/v1/external/series?limit=1"} {
		if waitRows(t, base+path, 90*time.Second) == 0 {
			t.Fatalf("GET %s returned no rows within 90 s", path)
		}
	}
	waitNoLag(t, d.api)
	api := client{t: t, base: base, tenant: devIdentity.Tenant}
	p := newPage(t, base)

	t.Run("curves", func(t *testing.T) { checkCurvesView(t, p, api) })
	t.Run("runs", func(t *testing.T) { checkRunsView(t, p, api) })
	t.Run("markets", func(t *testing.T) { checkMarketsView(t, p, api) })
}

// pageLoad is what the browser measured of the curves view's first load.
type pageLoad struct {
	Paint float64 `json:"paint"`
	Bytes int     `json:"bytes"`
	Files int     `json:"files"`
	// Timeline is when each response began and ended, in ms after navigation.
	Timeline []string `json:"timeline"`
}

// waitNoLag waits until no materialiser has a record older than a second
// left to write, twice in a row: the demo's backfill is in the tables.
func waitNoLag(t *testing.T, api string) {
	t.Helper()
	calm := 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		resp, err := http.Get("http://" + api + "/ready")
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Lag map[string]struct {
				Seconds *float64 `json:"seconds"`
			} `json:"lag"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		behind := false
		for _, l := range body.Lag {
			behind = behind || l.Seconds == nil || *l.Seconds >= 1
		}
		if calm = calm + 1; behind {
			calm = 0
		}
		if calm == 2 {
			return
		}
	}
	t.Fatal("the materialisers did not catch up within 60 s")
}

func checkCurvesView(t *testing.T, p *page, api client) {
	p.t = t
	p.do(chromedp.Navigate(p.base + "/ui"))
	p.wait("the curve", `+document.getElementById('curve-chart').dataset.points > 0`)

	load := eval[pageLoad](p, `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		return {paint: performance.getEntriesByName('aurum:curves-drawn')[0].startTime,
			bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0), files: 1 + res.length,
			timeline: [nav, ...res].map(r => Math.round(r.startTime) + '–' + Math.round(r.responseEnd) + ' ms ' + r.name.replace(location.origin, ''))};
	})()`)
	t.Logf("curves view: first meaningful paint %.0f ms after navigation; %d bytes transferred in %d responses",
		load.Paint, load.Bytes, load.Files)
	for _, line := range load.Timeline {
		t.Logf("  %s", line)
	}
	if load.Bytes > maxPageBytes || load.Bytes == 0 {
		t.Errorf("the curves view transferred %d bytes on its first load, want 1 to %d", load.Bytes, maxPageBytes)
	}

	type curveShown struct {
		Series string `json:"series"`
		Asof   string `json:"asof"`
		Path   int    `json:"path"`
	}
	shown := eval[curveShown](p, `({series: document.getElementById('c-curve').value, asof: document.getElementById('c-asof').value,
		path: (document.querySelector('#curve-chart path.s0').getAttribute('d').match(/[ML]/g) || []).length})`)
	key, priceType, _ := strings.Cut(shown.Series, "|")
	var points []struct {
		ContractMonth string `json:"contract_month"`
	}
	one := url.Values{"curve_key": {key}, "price_type": {priceType}, "tenor_type": {"MONTHLY"}, "limit": {"500"}}
	api.do(http.MethodGet, "/v1/curves?asof="+shown.Asof+"&"+one.Encode(), "", http.StatusOK, &points)
	if n := p.points("curve-chart"); n != len(points) || shown.Path != len(points) || n == 0 {
		t.Errorf("curve chart: data-points %d, %d vertices drawn; the API has %d points of %s on %s",
			n, shown.Path, len(points), shown.Series, shown.Asof)
	}

	compare := previousAsof(t, api, key, shown.Asof)
	var diff []json.RawMessage
	api.do(http.MethodGet, "/v1/curves/diff?asof_a="+compare+"&asof_b="+shown.Asof+"&"+one.Encode(), "", http.StatusOK, &diff)
	p.set("c-compare", compare)
	p.wait("the differences", `!document.getElementById('diff-figure').hidden && +document.getElementById('diff-chart').dataset.points > 0`)
	if n := p.points("diff-chart"); n != len(diff) {
		t.Errorf("diff chart: data-points %d, the API has %d differences between %s and %s", n, len(diff), compare, shown.Asof)
	}
	if lines := eval[int](p, `document.querySelectorAll('#curve-chart path.line').length`); lines != 2 {
		t.Errorf("curve chart with a second as-of date: %d lines, want 2", lines)
	}

	var strips []json.RawMessage
	api.do(http.MethodGet, "/v1/curves/strips?type=QUARTER&asof="+shown.Asof+"&curve_key="+key+"&price_type="+priceType,
		"", http.StatusOK, &strips)
	p.do(chromedp.Click(chromedp.CSS(`input[name="strip"][value="QUARTER"]`)))
	p.wait("the quarter strips", `document.querySelectorAll('#curve-chart line.strip').length > 0`)
	if drawn := eval[int](p, `document.querySelectorAll('#curve-chart line.strip').length`); drawn != len(strips) || drawn == 0 {
		t.Errorf("quarter strips: %d drawn, the API has %d", drawn, len(strips))
	}

	checkCSVExport(t, p, len(points)+len(strips))
	checkKeyboard(t, p)
	p.screenshot("curves")
	p.accessible("curves")
	p.noProblems()
}

// previousAsof finds the latest as-of date before asof with the curve.
func previousAsof(t *testing.T, api client, key, asof string) string {
	t.Helper()
	day, err := time.Parse(time.DateOnly, asof)
	if err != nil {
		t.Fatal(err)
	}
	for back := 1; back <= 10; back++ {
		d := day.AddDate(0, 0, -back).Format(time.DateOnly)
		var rows []json.RawMessage
		api.do(http.MethodGet, "/v1/curves?limit=1&asof="+d+"&curve_key="+key, "", http.StatusOK, &rows)
		if len(rows) > 0 {
			return d
		}
	}
	t.Fatalf("no as-of date of curve %s in the 10 days before %s", key, asof)
	return ""
}

// checkCSVExport clicks Export CSV and reads the download: a header and a
// record for every point and strip shown.
func checkCSVExport(t *testing.T, p *page, records int) {
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.Click(chromedp.ID("c-csv")))
	var files []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(files) == 0; time.Sleep(100 * time.Millisecond) {
		files, _ = filepath.Glob(filepath.Join(dir, "*.csv"))
	}
	if len(files) != 1 {
		t.Fatalf("Export CSV: downloads %v, want one .csv", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !strings.HasPrefix(lines[0], "tenor,tenor_type,contract_month,value,bid,ask,value ") || len(lines) != records+1 {
		t.Errorf("Export CSV %s: header %q and %d records, want %d", filepath.Base(files[0]), lines[0], len(lines)-1, records)
	}
}

// checkKeyboard tabs through the page from its start: every control of the
// curves view is reached, and the arrow keys read the chart out.
func checkKeyboard(t *testing.T, p *page) {
	// From the page's first element, as after loading it.
	eval[bool](p, `document.querySelector('.skip').focus(), true`)
	reached := map[string]bool{}
	for range 30 {
		p.do(chromedp.KeyEvent(kb.Tab))
		id := eval[string](p, `document.activeElement.id || document.activeElement.name || ''`)
		reached[id] = true
		if id == "curve-chart" {
			break
		}
	}
	for _, id := range []string{"nav-runs", "c-asset", "c-iso", "c-location", "c-block", "c-curve", "c-asof", "c-compare", "strip", "c-csv", "curve-chart"} {
		if !reached[id] {
			t.Errorf("keyboard: Tab never reached %s (reached %v)", id, reached)
		}
	}
	p.do(chromedp.KeyEvent(kb.ArrowRight))
	readout := eval[string](p, `document.getElementById('curve-chart').getAttribute('aria-description') || ''`)
	if !strings.Contains(readout, ": ") {
		t.Errorf("keyboard: the arrow key on the chart read out %q", readout)
	}
}

func checkRunsView(t *testing.T, p *page, api client) {
	p.t = t
	p.do(chromedp.Navigate(p.base + "/ui#runs"))
	p.wait("the scenarios", `document.getElementById('r-scenario').options.length > 0 || !document.getElementById('r-example').hidden`)
	if eval[bool](p, `document.getElementById('r-scenario').options.length === 0`) {
		p.do(chromedp.Click(chromedp.ID("r-example")))
		p.wait("the example scenario", `document.getElementById('r-scenario').options.length > 0`)
	}
	// Every state the page shows, from the moment the run is started.
	eval[bool](p, `window.states = []; new MutationObserver(() => window.states.push(document.getElementById('run-state').dataset.state))
		.observe(document.getElementById('run-state'), {attributes: true, attributeFilter: ['data-state']}); true`)
	p.do(chromedp.Click(chromedp.ID("r-start")))
	p.wait("the run to succeed", `document.getElementById('run-state').dataset.state === 'SUCCEEDED'`)
	p.wait("the run's outputs", `+document.getElementById('run-chart').dataset.points > 0`)
	states := eval[[]string](p, `window.states`)
	if len(states) < 2 || states[0] != "QUEUED" || states[len(states)-1] != "SUCCEEDED" {
		t.Errorf("run states shown: %v, want QUEUED … SUCCEEDED", states)
	}

	type runShown struct {
		Run   string `json:"run"`
		Curve string `json:"curve"`
		Bars  int    `json:"bars"`
	}
	shown := eval[runShown](p, `({run: document.querySelector('#run-table tr[aria-current="true"]').dataset.run,
		curve: document.getElementById('r-curve').value,
		bars: document.querySelectorAll('#attr-chart g:not(.legend) > rect[class^="p"]').length})`)
	var outputs []struct {
		Attribution []json.RawMessage `json:"attribution"`
	}
	api.do(http.MethodGet, "/v1/runs/"+shown.Run+"/outputs?tenor_type=MONTHLY&limit=500&curve_key="+shown.Curve, "", http.StatusOK, &outputs)
	parts := 0
	for _, o := range outputs {
		parts += len(o.Attribution)
	}
	if n := p.points("run-chart"); n != len(outputs) || n == 0 {
		t.Errorf("run chart: data-points %d, the API has %d monthly outputs of curve %s", n, len(outputs), shown.Curve)
	}
	if shown.Bars != parts || parts == 0 {
		t.Errorf("attribution chart: %d bars, the outputs have %d attributions", shown.Bars, parts)
	}
	p.screenshot("runs")
	p.accessible("runs")
	p.noProblems()
}

func checkMarketsView(t *testing.T, p *page, api client) {
	p.t = t
	p.do(chromedp.Navigate(p.base + "/ui#markets"))
	p.wait("the LMPs", `+document.getElementById('lmp-chart').dataset.points > 0`)
	p.wait("the series", `+document.getElementById('series-chart').dataset.points > 0`)

	type marketShown struct {
		Day, Location, Series, Start, End string
	}
	shown := eval[marketShown](p, `(() => {
		const zone = 'America/New_York', day = document.getElementById('m-day').value;
		return {Day: day, Location: document.getElementById('m-location').value, Series: document.getElementById('m-series').value,
			Start: new Date(localMidnight(zone, day)).toISOString(),
			End: new Date(localMidnight(zone, ymd(Date.parse(day) + 864e5))).toISOString()};
	})()`)
	var hours []json.RawMessage
	q := url.Values{"iso": {"PJM"}, "interval": {"hourly"}, "location_id": {shown.Location}, "start": {shown.Start}, "end": {shown.End}, "limit": {"500"}}
	api.do(http.MethodGet, "/v1/iso/lmp?"+q.Encode(), "", http.StatusOK, &hours)
	if n := p.points("lmp-chart"); n != len(hours) || n == 0 {
		t.Errorf("LMP chart: data-points %d, the API has %d hours of PJM %s on %s", n, len(hours), shown.Location, shown.Day)
	}
	var obs []struct {
		Value *float64 `json:"value"`
	}
	api.do(http.MethodGet, "/v1/external/series/"+shown.Series+"/observations?limit=500", "", http.StatusOK, &obs)
	valued := 0
	for _, o := range obs {
		if o.Value != nil {
			valued++
		}
	}
	if n := p.points("series-chart"); n != valued || n == 0 {
		t.Errorf("series chart: data-points %d, the API has %d observations with a value of %s", n, valued, shown.Series)
	}
	p.screenshot("markets")
	p.accessible("markets")
	p.noProblems()
}
