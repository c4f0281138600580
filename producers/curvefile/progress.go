package curvefile

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress draws a bar for one file: bytes read for CSV, rows read for a
// workbook (whose size in rows is unknown until the end). A nil *progress
// draws nothing.
type progress struct {
	bar *progressbar.ProgressBar
}

func newProgress(w io.Writer, name string, size int64) *progress {
	if w == nil {
		return nil
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { _, _ = io.WriteString(w, "\n") }),
	}
	if size > 0 {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		size = -1
		opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionSetItsString("rows"), progressbar.OptionShowIts())
	}
	return &progress{bar: progressbar.NewOptions64(size, opts...)}
}

func (p *progress) set(n int64) {
	if p == nil {
		return
	}
	_ = p.bar.Set64(n)
}

func (p *progress) finish(n int64) {
	if p == nil {
		return
	}
	_ = p.bar.Set64(n)
	_ = p.bar.Finish()
}
