package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/aurum-energy/aurum/internal/browsertest"
)

// maxPageBytes bounds what the curves view transfers on its first load:
// the page, its script and style sheet and the API answers it draws.
const maxPageBytes = 300 << 10

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
	browsertest.SkipWithoutBrowser(t)
	// The demo backfills up to the last business day of its local clock.
	latest := time.Now()
	for latest.Weekday() == time.Saturday || latest.Weekday() == time.Sunday {
		latest = latest.AddDate(0, 0, -1)
	}
	d := startDevWith(t, serverReachableTempDir(t), [3]int{freePort(t), freePort(t), freePort(t)}, "--demo-interval", "1h")
	defer d.shutdown(t)
	base := "http://" + d.api
	for _, path := range []string{"/v1/curves?limit=1&asof=" + latest.Format(time.DateOnly), "/v1/iso/lmp?iso=PJM&limit=1", "/v1/external/series?limit=1"} {
		if waitRows(t, base+path, 90*time.Second) == 0 {
			t.Fatalf("GET %s returned no rows within 90 s", path)
		}
	}
	waitNoLag(t, d.api)
	api := client{t: t, base: base, tenant: devIdentity.Tenant}
	p := browsertest.Open(t)

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
		calm++
		for _, l := range readyLag(t, api) {
			if l.Seconds == nil || *l.Seconds >= 1 {
				calm = 0
			}
		}
		if calm == 2 {
			return
		}
	}
	t.Fatal("the materialisers did not catch up within 60 s")
}

func checkCurvesView(t *testing.T, p *browsertest.Page, api client) {
	p.T = t
	p.Do(chromedp.Navigate(api.base + "/ui"))
	p.Wait("the curve", `+document.getElementById('curve-chart').dataset.points > 0`)

	load := browsertest.Eval[pageLoad](p, `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		return {paint: performance.getEntriesByName('aurum:curves-drawn')[0].startTime,
			bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0), files: 1 + res.length,
			timeline: [nav, ...res, ...performance.getEntriesByType('mark')].map(r => Math.round(r.startTime) + '–' + Math.round(r.responseEnd || r.startTime) + ' ms ' + r.name.replace(location.origin, ''))};
	})()`)
	t.Logf("curves view: first meaningful paint %.0f ms after navigation; %d bytes transferred in %d responses",
		load.Paint, load.Bytes, load.Files)
	for _, line := range load.Timeline {
		t.Logf("  %s", line)
	}
	if load.Bytes > maxPageBytes || load.Bytes == 0 {
		t.Errorf("the curves view transferred %d bytes on its first load, want 1 to %d", load.Bytes, maxPageBytes)
	}
	// Again, as a user coming back: the browser revalidates the files (304).
	p.Do(chromedp.Reload())
	p.Wait("the curve, again", `performance.getEntriesByName('aurum:curves-drawn').length > 0`)
	t.Logf("curves view, loaded again: first meaningful paint %.0f ms after navigation",
		browsertest.Eval[float64](p, `performance.getEntriesByName('aurum:curves-drawn')[0].startTime`))

	type curveShown struct {
		Series string `json:"series"`
		Asof   string `json:"asof"`
		Path   int    `json:"path"`
	}
	shown := browsertest.Eval[curveShown](p, `({series: document.getElementById('c-curve').value, asof: document.getElementById('c-asof').value,
		path: (document.querySelector('#curve-chart path.s0').getAttribute('d').match(/[ML]/g) || []).length})`)
	key, priceType, _ := strings.Cut(shown.Series, "|")
	var points []struct {
		ContractMonth string `json:"contract_month"`
	}
	one := url.Values{"curve_key": {key}, "price_type": {priceType}, "tenor_type": {"MONTHLY"}, "limit": {"500"}}
	api.do(http.MethodGet, "/v1/curves?asof="+shown.Asof+"&"+one.Encode(), "", http.StatusOK, &points)
	if n := p.Points("curve-chart"); n != len(points) || shown.Path != len(points) || n == 0 {
		t.Errorf("curve chart: data-points %d, %d vertices drawn; the API has %d points of %s on %s",
			n, shown.Path, len(points), shown.Series, shown.Asof)
	}

	compare := previousAsof(t, api, key, shown.Asof)
	var diff []json.RawMessage
	api.do(http.MethodGet, "/v1/curves/diff?asof_a="+compare+"&asof_b="+shown.Asof+"&"+one.Encode(), "", http.StatusOK, &diff)
	p.Set("c-compare", compare)
	p.Wait("the differences", `!document.getElementById('diff-figure').hidden && +document.getElementById('diff-chart').dataset.points > 0`)
	if n := p.Points("diff-chart"); n != len(diff) {
		t.Errorf("diff chart: data-points %d, the API has %d differences between %s and %s", n, len(diff), compare, shown.Asof)
	}
	if lines := browsertest.Eval[int](p, `document.querySelectorAll('#curve-chart path.line').length`); lines != 2 {
		t.Errorf("curve chart with a second as-of date: %d lines, want 2", lines)
	}

	var strips []json.RawMessage
	api.do(http.MethodGet, "/v1/curves/strips?type=QUARTER&asof="+shown.Asof+"&curve_key="+key+"&price_type="+priceType,
		"", http.StatusOK, &strips)
	p.Do(chromedp.Click(chromedp.CSS(`input[name="strip"][value="QUARTER"]`)))
	p.Wait("the quarter strips", `document.querySelectorAll('#curve-chart line.strip').length > 0`)
	if drawn := browsertest.Eval[int](p, `document.querySelectorAll('#curve-chart line.strip').length`); drawn != len(strips) || drawn == 0 {
		t.Errorf("quarter strips: %d drawn, the API has %d", drawn, len(strips))
	}

	checkLink(t, p, shown.Series, compare, len(points), len(diff), len(strips))
	checkCSVExport(t, p, len(points)+len(strips))
	checkKeyboard(t, p)
	p.Screenshot("curves")
	p.Accessible("curves view")
	p.NoProblems()
}

// checkLink loads the address the curves view shows anew: the same curve,
// comparison and strips come back.
func checkLink(t *testing.T, p *browsertest.Page, series, compare string, points, diffs, strips int) {
	link := browsertest.Eval[string](p, `location.href`)
	if !strings.Contains(link, "#curves?") {
		t.Fatalf("the address does not hold the view: %s", link)
	}
	p.Do(chromedp.Reload()) // the view keeps its address current: a new document at link
	p.Wait("the linked curve", `+document.getElementById('curve-chart').dataset.points > 0 &&
		+document.getElementById('diff-chart').dataset.points > 0 && document.querySelectorAll('#curve-chart line.strip').length > 0`)
	got := browsertest.Eval[[]string](p, `[document.getElementById('c-curve').value, document.getElementById('c-compare').value]`)
	if got[0] != series || got[1] != compare {
		t.Errorf("%s shows %v, want curve %s compared with %s", link, got, series, compare)
	}
	drawn := []int{p.Points("curve-chart"), p.Points("diff-chart"), browsertest.Eval[int](p, `document.querySelectorAll('#curve-chart line.strip').length`)}
	if want := []int{points, diffs, strips}; !slices.Equal(drawn, want) {
		t.Errorf("%s draws %v points, differences and strips, want %v", link, drawn, want)
	}
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
func checkCSVExport(t *testing.T, p *browsertest.Page, records int) {
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(p.Context(), browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
	}); err != nil {
		t.Fatal(err)
	}
	p.Do(chromedp.Click(chromedp.ID("c-csv")))
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
func checkKeyboard(t *testing.T, p *browsertest.Page) {
	// From the page's first element, as after loading it.
	browsertest.Eval[bool](p, `document.querySelector('.skip').focus(), true`)
	reached := map[string]bool{}
	for range 30 {
		p.Do(chromedp.KeyEvent(kb.Tab))
		id := browsertest.Eval[string](p, `document.activeElement.id || document.activeElement.name || ''`)
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
	p.Do(chromedp.KeyEvent(kb.ArrowRight))
	readout := browsertest.Eval[string](p, `document.getElementById('curve-chart').getAttribute('aria-description') || ''`)
	if !strings.Contains(readout, ": ") {
		t.Errorf("keyboard: the arrow key on the chart read out %q", readout)
	}
}

func checkRunsView(t *testing.T, p *browsertest.Page, api client) {
	p.T = t
	p.Do(chromedp.Navigate(api.base + "/ui#runs"))
	p.Wait("the scenarios", `document.getElementById('r-scenario').options.length > 0 || !document.getElementById('r-example').hidden`)
	if browsertest.Eval[bool](p, `document.getElementById('r-scenario').options.length === 0`) {
		p.Do(chromedp.Click(chromedp.ID("r-example")))
		p.Wait("the example scenario", `document.getElementById('r-scenario').options.length > 0`)
	}
	// Every state the page shows, from the moment the run is started.
	browsertest.Eval[bool](p, `window.states = []; new MutationObserver(() => window.states.push(document.getElementById('run-state').dataset.state))
		.observe(document.getElementById('run-state'), {attributes: true, attributeFilter: ['data-state']}); true`)
	p.Do(chromedp.Click(chromedp.ID("r-start")))
	p.Wait("the run to succeed", `document.getElementById('run-state').dataset.state === 'SUCCEEDED'`)
	p.Wait("the run's outputs", `+document.getElementById('run-chart').dataset.points > 0`)
	states := browsertest.Eval[[]string](p, `window.states`)
	if len(states) < 2 || states[0] != "QUEUED" || states[len(states)-1] != "SUCCEEDED" {
		t.Errorf("run states shown: %v, want QUEUED … SUCCEEDED", states)
	}

	type runShown struct {
		Run   string `json:"run"`
		Curve string `json:"curve"`
		Bars  int    `json:"bars"`
	}
	shown := browsertest.Eval[runShown](p, `({run: document.querySelector('#run-table tr[aria-current="true"]').dataset.run,
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
	if n := p.Points("run-chart"); n != len(outputs) || n == 0 {
		t.Errorf("run chart: data-points %d, the API has %d monthly outputs of curve %s", n, len(outputs), shown.Curve)
	}
	if shown.Bars != parts || parts == 0 {
		t.Errorf("attribution chart: %d bars, the outputs have %d attributions", shown.Bars, parts)
	}
	p.Screenshot("runs")
	p.Accessible("runs view")
	p.NoProblems()
}

func checkMarketsView(t *testing.T, p *browsertest.Page, api client) {
	p.T = t
	p.Do(chromedp.Navigate(api.base + "/ui#markets"))
	p.Wait("the LMPs", `+document.getElementById('lmp-chart').dataset.points > 0`)
	p.Wait("the series", `+document.getElementById('series-chart').dataset.points > 0`)

	type marketShown struct {
		Day, Location, Series, Start, End string
	}
	shown := browsertest.Eval[marketShown](p, `(() => {
		const zone = 'America/New_York', day = document.getElementById('m-day').value;
		return {Day: day, Location: document.getElementById('m-location').value, Series: document.getElementById('m-series').value,
			Start: new Date(localMidnight(zone, day)).toISOString(),
			End: new Date(localMidnight(zone, ymd(Date.parse(day) + 864e5))).toISOString()};
	})()`)
	var hours []json.RawMessage
	q := url.Values{"iso": {"PJM"}, "interval": {"hourly"}, "location_id": {shown.Location}, "start": {shown.Start}, "end": {shown.End}, "limit": {"500"}}
	api.do(http.MethodGet, "/v1/iso/lmp?"+q.Encode(), "", http.StatusOK, &hours)
	if n := p.Points("lmp-chart"); n != len(hours) || n == 0 {
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
	if n := p.Points("series-chart"); n != valued || n == 0 {
		t.Errorf("series chart: data-points %d, the API has %d observations with a value of %s", n, valued, shown.Series)
	}
	p.Screenshot("markets")
	p.Accessible("markets view")
	p.NoProblems()
}
