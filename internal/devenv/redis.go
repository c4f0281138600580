package devenv

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/aurum-energy/aurum/internal/redisclient"
)

// RedisConfig configures a private Redis server.
type RedisConfig struct {
	// Dir holds the append-only file and the log; a link to a directory
	// under /var/lib/aurum when the service user cannot reach it (see
	// PostgresConfig.Dir).
	Dir string
	// Port on 127.0.0.1; 0 picks a free one.
	Port int
	// Durable turns on the append-only file so cached idempotency keys and
	// rate-limit state survive a restart of `aurum dev`.
	Durable bool
}

// Redis is a running private Redis server.
type Redis struct {
	cfg    RedisConfig
	bin    string
	cred   *syscall.Credential
	proc   *process
	logger *slog.Logger
}

// StartRedis starts redis-server with its state under cfg.Dir.
func StartRedis(ctx context.Context, cfg RedisConfig, logger *slog.Logger) (*Redis, error) {
	if cfg.Dir == "" {
		return nil, fmt.Errorf("redis: a data directory is required")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server: %w (install the redis-server package, or set AURUM_REDIS_URL)", ErrNotInstalled)
	}
	cred, err := serviceUser("redis", "nobody")
	if err != nil {
		return nil, err
	}
	if cfg.Dir, err = serverDir(dir, "redis", cred, logger); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	r := &Redis{cfg: cfg, bin: bin, cred: cred, logger: logger}
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Redis) logPath() string { return filepath.Join(r.cfg.Dir, "redis.log") }

// Start starts the server (again, after Stop).
func (r *Redis) Start(ctx context.Context) error {
	if r.proc != nil && !r.proc.exited() {
		return nil
	}
	if err := assignPort(&r.cfg.Port); err != nil {
		return err
	}
	appendOnly := "no"
	if r.cfg.Durable {
		appendOnly = "yes"
	}
	args := []string{
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(r.cfg.Port),
		"--dir", r.cfg.Dir,
		"--save", "",
		"--appendonly", appendOnly,
		"--daemonize", "no",
		"--protected-mode", "yes",
	}
	proc, err := startProcess("redis", r.bin, args, r.cred, r.logPath(), r.logger)
	if err != nil {
		return err
	}
	r.proc = proc
	client, err := redisclient.New(r.URL())
	if err != nil {
		return err
	}
	defer func() { _ = client.Close() }()
	if err := proc.waitReady(ctx, r.logPath(), func(ctx context.Context) error { return client.Ping(ctx).Err() }); err != nil {
		_ = proc.stop(syscall.SIGKILL, time.Second)
		return err
	}
	return nil
}

func (r *Redis) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.cfg.Port) }

// URL is the redis:// URL of the server.
func (r *Redis) URL() string { return "redis://" + r.addr() + "/0" }

// Pause freezes the server (SIGSTOP): connections stay open and nothing
// answers, as with a hung host. For outage tests; Resume ends it.
func (r *Redis) Pause() error { return r.proc.pause() }

// Resume continues a paused server.
func (r *Redis) Resume() error { return r.proc.resume() }

// Stop shuts the server down, writing the append-only file first.
func (r *Redis) Stop() error {
	if r.proc == nil {
		return nil
	}
	return r.proc.stop(syscall.SIGTERM, 10*time.Second)
}
