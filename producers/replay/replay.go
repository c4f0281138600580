// Package replay serves recorded provider answers on a loopback HTTP
// server, so that `aurum dev` runs its collectors without internet: the
// FRED GDP series (metadata and observations) and PJM's day-ahead hourly
// zonal LMPs of 2026-06-09. Each source's base URL is BaseURL(source); a
// request for a recorded path gets the recorded body whatever its query
// (it is a replay, not a simulation), any other path a 404.
package replay

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/fred"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/producers/iso/pjm"
)

//go:embed testdata/*.json
var recorded embed.FS

// Recording is what the replay holds for one source.
type Recording struct {
	// Source is the collector's name ("fred", "pjm").
	Source string
	// Config is the source's configuration that collects the recording
	// (fred.Config, pjm.Config), for collector.Registry.Build.
	Config any
	// Window covers every recorded observation: a collector over it
	// collects the whole recording. Open bounds are open.
	Window collector.Window
	// files maps a path below the source's base URL to its recorded body.
	files map[string]string
}

// Recordings are the sources the replay answers for.
var Recordings = []Recording{
	{
		Source: "fred",
		Config: fred.Config{Series: []string{"GDP"}},
		// GDP's recorded observations run from 1946 to 1995; FRED's window
		// is open, so any window would do.
		files: map[string]string{
			"/series":              "series-GDP.json",
			"/series/observations": "series-observations-GDP.json",
		},
	},
	{
		Source: "pjm",
		Config: pjm.Config{Feeds: []string{"da_hrl_lmps"}},
		// The recorded operating day 2026-06-09 (Eastern); without a window
		// PJM would ask for the hours around now, and the records would be
		// of no use to a user looking at "today".
		Window: collector.Days(time.Date(2026, time.June, 9, 0, 0, 0, 0, time.UTC),
			time.Date(2026, time.June, 9, 0, 0, 0, 0, time.UTC), isotime.Eastern),
		files: map[string]string{
			"/da_hrl_lmps": "dataminer-da_hrl_lmps-zones-2026-06-09.json",
		},
	},
}

// Lookup returns the recording of source.
func Lookup(source string) (Recording, bool) {
	for _, r := range Recordings {
		if r.Source == source {
			return r, true
		}
	}
	return Recording{}, false
}

// Config of a Server.
type Config struct {
	// Addr is the address to listen on, default "127.0.0.1:0" (a free
	// loopback port).
	Addr string
	// Logger receives a line per request; nil discards them.
	Logger *slog.Logger
}

// Server is the replay HTTP server.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// New listens on cfg.Addr; Run serves. Requests made between the two wait
// in the listener's queue.
func New(cfg Config) (*Server, error) {
	cfg.Addr = cmp.Or(cfg.Addr, "127.0.0.1:0")
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("replay: listen on %s: %w", cfg.Addr, err)
	}
	s := &Server{ln: ln}
	s.srv = &http.Server{Handler: Handler(cfg.Logger), ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// BaseURL is the base URL to give source's collector client.
func (s *Server) BaseURL(source string) string {
	return "http://" + s.ln.Addr().String() + "/" + source
}

// Run serves until ctx ends, then shuts the server down and returns nil.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("replay: %w", err)
	case <-ctx.Done():
	}
	// Shutdown finishes requests in flight; a connection the client dialled
	// but never used counts as busy for 5 s, so it is cut short by Close.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		if err := s.srv.Close(); err != nil {
			return fmt.Errorf("replay: close: %w", err)
		}
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("replay: %w", err)
	}
	return nil
}

// Handler answers GET /<source><path> with the recorded body, whatever
// the query.
func Handler(logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	for _, r := range Recordings {
		paths := make([]string, 0, len(r.files))
		for p := range r.files {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			file := "testdata/" + r.files[p]
			mux.HandleFunc("GET /"+r.Source+p, func(w http.ResponseWriter, req *http.Request) {
				body, err := recorded.ReadFile(file)
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				if logger != nil {
					logger.Debug("replay", slog.String("path", req.URL.Path), slog.String("file", file))
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			})
		}
	}
	return mux
}
