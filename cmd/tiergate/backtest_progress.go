package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// backtestProgress shows a backtest's progress on stderr: a bar with the
// count and an ETA on a terminal; otherwise (a CI log, a file) plain
// lines, one per tenth of the way, which a log keeps readable.
type backtestProgress struct {
	w        io.Writer
	terminal bool
	now      func() time.Time

	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	total   int
	started time.Time
	shown   int // the last tenth shown in plain lines
}

func newBacktestProgress(w io.Writer, terminal bool, now func() time.Time) *backtestProgress {
	return &backtestProgress{w: w, terminal: terminal, now: now}
}

// isTerminal says w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *backtestProgress) Listed(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.started = n, p.now()
	if p.terminal && n > 0 {
		p.bar = progressbar.NewOptions(n,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("judging pull requests"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)
		return
	}
	fmt.Fprintf(p.w, "tiergate backtest: judging %d pull requests\n", n)
}

func (p *backtestProgress) Judged(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Set(done)
		if done == p.total {
			_ = p.bar.Finish()
		}
		return
	}
	if p.total == 0 {
		return
	}
	tenth := done * 10 / p.total
	if tenth == p.shown && done != p.total {
		return
	}
	p.shown = tenth
	elapsed := p.now().Sub(p.started)
	line := fmt.Sprintf("tiergate backtest: %d/%d judged (%s", done, p.total, elapsed.Round(time.Second))
	if done < p.total {
		left := time.Duration(float64(elapsed) / float64(done) * float64(p.total-done))
		line += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	fmt.Fprintln(p.w, line+")")
}

// Waiting says the run stopped for GitHub's rate limit, and until when.
func (p *backtestProgress) Waiting(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	d := until.Sub(p.now()).Round(time.Second)
	fmt.Fprintf(p.w, "tiergate backtest: GitHub's rate limit is reached; waiting %s, until %s, for it to reset\n",
		max(d, 0), until.Local().Format("15:04:05"))
}
