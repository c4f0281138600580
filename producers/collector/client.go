package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/telemetry"
)

// Defaults of ClientConfig.
const (
	DefaultRate        = rate.Limit(2) // requests per second
	DefaultTimeout     = 60 * time.Second
	DefaultMaxAttempts = 6
	// MaxBody bounds what one provider answer may hold, and what one file
	// decompressed from a zipped answer may hold: far above any real page,
	// low enough that a runaway body or a zip bomb cannot exhaust memory.
	MaxBody = 256 << 20
)

// DefaultBackoff is ClientConfig.Backoff's default: from 1s to 1m.
var DefaultBackoff = retry.Backoff{Min: time.Second, Max: time.Minute}

// ErrTooLarge marks a provider answer, or a file decompressed from one,
// larger than its limit. It is not retried: the same request would bring
// the same bytes.
var ErrTooLarge = errors.New("larger than the limit")

// ClientConfig is how a Client talks to one provider. Each source package
// exports its defaults (base URL, rate, API key placement); the
// composition root overrides BaseURL and APIKey from AURUM_<SOURCE>_BASE_URL
// and AURUM_<SOURCE>_API_KEY.
type ClientConfig struct {
	// Source labels the metrics and logs ("fred"). Required.
	Source string
	// BaseURL is prefixed to every path given to Get, e.g.
	// "https://api.stlouisfed.org/fred". Required.
	BaseURL string
	// APIKey is sent with every request, as the query parameter
	// APIKeyParam or the header APIKeyHeader. It is never logged.
	APIKey       string
	APIKeyParam  string
	APIKeyHeader string
	// Rate and Burst are the client-side rate limit (requests per second),
	// shared by every request of the Client. Default DefaultRate, burst 1.
	Rate  rate.Limit
	Burst int
	// Timeout bounds one request, body included: a page that hangs longer
	// is abandoned and retried. Default DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts is how many times a request is tried on 429, 5xx,
	// network errors and timeouts before Get gives up. Default
	// DefaultMaxAttempts.
	MaxAttempts int
	// Backoff bounds the wait between attempts; a Retry-After longer than
	// the backoff is honoured as is. Default DefaultBackoff; a Max below
	// Min is raised to the default's or to Min.
	Backoff retry.Backoff
	// MaxBody is the most bytes a response body may hold; a longer one
	// fails the request with ErrTooLarge. Default MaxBody.
	MaxBody int64
	// HTTPClient sends the requests; default a client with no timeout of
	// its own (Timeout applies per request).
	HTTPClient *http.Client
	// Metrics receives aurum_collector_requests_total{source,code}; nil
	// counts nothing.
	Metrics *telemetry.Metrics
	// Logger receives retries; nil discards them.
	Logger *slog.Logger
}

// Client is the HTTP client of one source: rate limited, retrying with
// backoff, timed out per request and counted. Safe for concurrent use.
type Client struct {
	cfg     ClientConfig
	base    *url.URL
	limiter *rate.Limiter
	logger  *slog.Logger
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Source == "" {
		return nil, errors.New("collector client: empty Source")
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("collector client %s: base URL %q is not an absolute URL", cfg.Source, cfg.BaseURL)
	}
	cfg.Rate = cmp.Or(cfg.Rate, DefaultRate)
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff.Min <= 0 {
		cfg.Backoff.Min = DefaultBackoff.Min
	}
	if cfg.Backoff.Max < cfg.Backoff.Min {
		cfg.Backoff.Max = max(DefaultBackoff.Max, cfg.Backoff.Min)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = MaxBody
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		cfg:     cfg,
		base:    base,
		limiter: rate.NewLimiter(cfg.Rate, cfg.Burst),
		logger:  logger.With(slog.String("source", cfg.Source)),
	}, nil
}

// Logger is the logger the client reports to, labelled with its source:
// sources log their own warnings through it, so they reach the logger the
// composition root gave the client.
func (c *Client) Logger() *slog.Logger { return c.logger }

// StatusError is a provider answer with a status Get does not retry (a 4xx
// other than 429), or the last of a request that exhausted its attempts.
type StatusError struct {
	Code int
	// Body is the start of the response body: the provider's message.
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

// Get requests BaseURL+path?query and returns the body of a 2xx answer.
// Waits for the rate limit first; retries 429, 5xx, network errors and
// timeouts up to MaxAttempts, waiting the longer of the backoff and the
// answer's Retry-After. Any other status is a *StatusError at once, and a
// body longer than MaxBody an error wrapping ErrTooLarge.
func (c *Client) Get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		body, retryAfter, err := c.try(ctx, path, query)
		if err == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", c.cfg.Source, path, ctx.Err())
		}
		var se *StatusError
		if errors.Is(err, ErrTooLarge) ||
			errors.As(err, &se) && se.Code != http.StatusTooManyRequests && se.Code < 500 {
			return nil, fmt.Errorf("%s %s: %w", c.cfg.Source, path, err)
		}
		lastErr = err
		if attempt >= c.cfg.MaxAttempts {
			return nil, fmt.Errorf("%s %s: gave up after %d attempts: %w", c.cfg.Source, path, attempt, lastErr)
		}
		wait := max(c.cfg.Backoff.Delay(attempt-1), retryAfter)
		c.logger.Warn("provider request failed; retrying",
			slog.String("path", path), slog.Int("attempt", attempt),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		if err := retry.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s %s: %w (last error: %w)", c.cfg.Source, path, err, lastErr)
		}
	}
}

// try makes one attempt; retryAfter is the answer's Retry-After, if any.
func (c *Client) try(ctx context.Context, path string, query url.Values) (body []byte, retryAfter time.Duration, err error) {
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u := c.url(path, query)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	if c.cfg.APIKey != "" && c.cfg.APIKeyHeader != "" {
		req.Header.Set(c.cfg.APIKeyHeader, c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		c.count("error")
		return nil, 0, redact(err, c.cfg.APIKey)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err = ReadLimited(resp.Body, c.cfg.MaxBody)
	c.count(strconv.Itoa(resp.StatusCode))
	if errors.Is(err, ErrTooLarge) {
		return nil, 0, fmt.Errorf("body of HTTP %d from %s: %w", resp.StatusCode, redactString(u, c.cfg.APIKey), err)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read body of HTTP %d: %w", resp.StatusCode, redact(err, c.cfg.APIKey))
	}
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 512 {
			msg = msg[:512] + "…"
		}
		return nil, retryAfterOf(resp.Header.Get("Retry-After"), time.Now()),
			&StatusError{Code: resp.StatusCode, Body: redactString(msg, c.cfg.APIKey)}
	}
	return body, 0, nil
}

// ReadLimited reads r to its end, or fails with an error wrapping
// ErrTooLarge once r holds more than limit bytes. Failing matters: a body
// cut at the limit would still parse when the cut falls at a line end, and
// the collector's checkpoint would move past rows nobody read.
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	// One byte past the limit tells a body of exactly limit bytes from a
	// longer one.
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

func (c *Client) url(path string, query url.Values) string {
	u := *c.base
	u.Path = c.base.Path + "/" + strings.TrimPrefix(path, "/")
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if c.cfg.APIKey != "" && c.cfg.APIKeyParam != "" {
		q.Set(c.cfg.APIKeyParam, c.cfg.APIKey)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (c *Client) count(code string) {
	if c.cfg.Metrics != nil {
		c.cfg.Metrics.CollectorRequests.WithLabelValues(c.cfg.Source, code).Inc()
	}
}

// retryAfterOf parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfterOf(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// redact removes the API key from an error that quotes the request URL.
func redact(err error, key string) error {
	if key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return &redactedError{msg: redactString(err.Error(), key), err: err}
}

func redactString(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "REDACTED")
}

// redactedError is an error whose message had the API key taken out; it
// still unwraps to the original (a timeout stays a timeout).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
