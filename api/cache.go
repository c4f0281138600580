package api

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Cache defaults.
const (
	DefaultCacheTTL      = 10 * time.Minute
	DefaultCachePrefix   = "aurum:cache:"
	DefaultLatestMaxAge  = 30 * time.Second
	DefaultHistoryMaxAge = time.Hour
	DefaultMemoryBytes   = 64 << 20
)

const (
	// cacheOpTimeout bounds one Redis round trip of the cache: a slow Redis
	// must not make the API slower than going to the database.
	cacheOpTimeout = 100 * time.Millisecond
)

// page is one rendered answer of a list endpoint, as cached: the encoded
// data (a JSON array or value, or a whole CSV document), its row count and
// the signed cursor of the next page.
type page struct {
	list  bool
	count int
	next  string
	body  []byte
	// shared is set once the page is in Redis, or on its way there.
	shared atomic.Bool
}

// marshal encodes p for Redis: flags, count, next cursor, body.
func (p *page) marshal() []byte {
	b := make([]byte, 0, len(p.body)+len(p.next)+16)
	var flags byte
	if p.list {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(p.count))
	b = binary.AppendUvarint(b, uint64(len(p.next)))
	b = append(b, p.next...)
	return append(b, p.body...)
}

func unmarshalPage(b []byte) (*page, error) {
	bad := errors.New("malformed cached page")
	if len(b) < 1 {
		return nil, bad
	}
	p := &page{list: b[0] == 1}
	b = b[1:]
	count, n := binary.Uvarint(b)
	if n <= 0 {
		return nil, bad
	}
	b = b[n:]
	nextLen, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < nextLen {
		return nil, bad
	}
	p.count = int(count)
	p.next = string(b[n : n+int(nextLen)])
	p.body = b[n+int(nextLen):]
	return p, nil
}

// responseCache keeps rendered pages in Redis, shared by every API
// instance, and the most recent ones in process memory in front of it.
// A page goes to Redis the second time an instance serves it: a page asked
// for once — one of the many curves of a scan — would otherwise cost a
// Redis write of its whole body and crowd out the pages read again.
// Keys fold in the version of the dataset the page was read from
// (data_version, bumped by the materialiser in the transaction of every
// write), so a page is never served once the data under it has changed,
// with no invalidation to get wrong: both layers are equally fresh. Redis
// is an accelerator only: when it fails (breaker) requests go to the
// database until it answers again.
type responseCache struct {
	rdb     *redis.Client // nil: no Redis layer
	breaker *redisBreaker
	mem     *memCache // nil: no memory layer
	ttl     time.Duration
	prefix  string
	logger  *slog.Logger
	// fetchTimeout bounds a database fetch shared by concurrent identical
	// requests (it outlives the request that started it):
	// Config.DatabaseTimeout.
	fetchTimeout time.Duration

	flight singleflight.Group
}

// load returns the page cached under key, or builds it with fetch, caches
// and returns it. Concurrent misses for one key share a single fetch.
func (c *responseCache) load(ctx context.Context, key string, fetch func(context.Context) (*page, error)) (*page, error) {
	if p := c.mem.get(key); p != nil {
		if p.shared.CompareAndSwap(false, true) {
			c.set(ctx, key, p)
		}
		return p, nil
	}
	if p := c.get(ctx, key); p != nil {
		p.shared.Store(true)
		c.mem.put(key, p)
		return p, nil
	}
	v, err, _ := c.flight.Do(key, func() (any, error) {
		// The fetch serves every waiting request, so it must not end with
		// the one that happened to start it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.fetchTimeout)
		defer cancel()
		p, err := fetch(fctx)
		if err != nil {
			return nil, err
		}
		if c.mem == nil { // no second time to wait for
			p.shared.Store(true)
			c.set(fctx, key, p)
		}
		c.mem.put(key, p)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*page), nil
}

// available reports whether Redis should be tried now.
func (c *responseCache) available() bool {
	return c.rdb != nil && c.breaker.available()
}

func (c *responseCache) get(ctx context.Context, key string) *page {
	if !c.available() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, cacheOpTimeout)
	defer cancel()
	b, err := c.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		c.breaker.succeeded()
		return nil
	}
	if err != nil {
		c.breaker.failed(ctx, err)
		return nil
	}
	c.breaker.succeeded()
	p, err := unmarshalPage(b)
	if err != nil {
		c.logger.Warn("response cache: ignoring a malformed entry", slog.String("key", key))
		return nil
	}
	return p
}

func (c *responseCache) set(ctx context.Context, key string, p *page) {
	if !c.available() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, cacheOpTimeout)
	defer cancel()
	if err := c.rdb.Set(ctx, key, p.marshal(), c.ttl).Err(); err != nil {
		c.breaker.failed(ctx, err)
		return
	}
	c.breaker.succeeded()
}

// memCache holds recently served pages in process memory, up to a number
// of bytes. Its keys are those of Redis (data version included), so it is
// never staler than Redis; when full it drops entries at random, which
// soon removes those of superseded versions, nobody asks for any more.
type memCache struct {
	mu       sync.RWMutex
	pages    map[string]*page
	bytes    int64
	maxBytes int64
}

func newMemCache(maxBytes int64) *memCache {
	if maxBytes <= 0 {
		return nil
	}
	return &memCache{pages: make(map[string]*page), maxBytes: maxBytes}
}

func (m *memCache) get(key string) *page {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.pages[key]
}

func (m *memCache) put(key string, p *page) {
	size := int64(len(key) + len(p.body) + len(p.next) + 64)
	if m == nil || size > m.maxBytes/8 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.pages[key]; ok {
		m.bytes -= int64(len(key) + len(old.body) + len(old.next) + 64)
	}
	for k, old := range m.pages {
		if m.bytes+size <= m.maxBytes {
			break
		}
		delete(m.pages, k)
		m.bytes -= int64(len(k) + len(old.body) + len(old.next) + 64)
	}
	m.pages[key] = p
	m.bytes += size
}
