package collector

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress draws one bar per pass: series done out of the series to
// collect, with the series and page in hand. A nil *progress draws nothing.
type progress struct {
	bar  *progressbar.ProgressBar
	name string
}

func newProgress(w io.Writer, name string, series int) *progress {
	if w == nil || series == 0 {
		return nil
	}
	return &progress{name: name, bar: progressbar.NewOptions(series,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("series"),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { _, _ = io.WriteString(w, "\n") }),
	)}
}

// page shows that series key published its n-th page.
func (p *progress) page(key string, n int) {
	if p == nil {
		return
	}
	p.bar.Describe(fmt.Sprintf("%s %s page %d", p.name, key, n))
}

func (p *progress) seriesDone() {
	if p == nil {
		return
	}
	_ = p.bar.Add(1)
}

func (p *progress) finish() {
	if p == nil {
		return
	}
	_ = p.bar.Finish()
}
