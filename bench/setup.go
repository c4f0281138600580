package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/devenv"
)

// setupKind is one database set-up the storage figures are measured on.
type setupKind struct {
	flag      string // the name in -setups
	name      string // the name in the report
	timescale bool
}

var setupKinds = []setupKind{
	{flag: "plain", name: "plain PostgreSQL"},
	{flag: "timescale", name: "TimescaleDB", timescale: true},
}

// errNoTimescale: the TimescaleDB set-up was asked for on a machine
// without it.
var errNoTimescale = errors.New("TimescaleDB is not installed beside PostgreSQL")

// setup is one database set-up: a fresh private PostgreSQL server and Redis,
// both baselines' tables, and `aurum dev` once it is started.
type setup struct {
	kind   setupKind
	dir    string
	logger *slog.Logger
	pg     *devenv.Postgres
	redis  *devenv.Redis
	pool   *pgxpool.Pool
	dev    *devProcess
	// loaderTook is how long the last `aurum load curves` ran.
	loaderTook time.Duration
}

// startSetup starts the servers of kind under dir.
func startSetup(ctx context.Context, kind setupKind, dir string, logger *slog.Logger) (s *setup, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s = &setup{kind: kind, dir: dir, logger: logger}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	s.pg, err = devenv.StartPostgres(ctx, devenv.PostgresConfig{
		Dir: filepath.Join(dir, "postgres"), Durable: true, NoTimescale: !kind.timescale,
	}, logger)
	if err != nil {
		return nil, err
	}
	if kind.timescale && !s.pg.Timescale() {
		return nil, errNoTimescale
	}
	if s.redis, err = devenv.StartRedis(ctx, devenv.RedisConfig{Dir: filepath.Join(dir, "redis")}, logger); err != nil {
		return nil, err
	}
	if s.pool, err = pgxpool.New(ctx, s.pg.DefaultURL()); err != nil {
		return nil, err
	}
	return s, nil
}

// startDev starts `aurum dev` on this set-up's servers.
func (s *setup) startDev(ctx context.Context, aurum string) error {
	dev, err := startDev(ctx, aurum, filepath.Join(s.dir, "aurum"), s.pg.DefaultURL(), s.redis.URL())
	if err != nil {
		return err
	}
	s.dev = dev
	return nil
}

func (s *setup) close() {
	if s.dev != nil {
		if err := s.dev.stop(); err != nil {
			progress("stopping aurum dev: %v", err)
		}
	}
	if s.pool != nil {
		s.pool.Close()
	}
	if s.redis != nil {
		_ = s.redis.Stop()
	}
	if s.pg != nil {
		_ = s.pg.Stop()
	}
}

// devProcess is `aurum dev --no-demo` running as a child process: the
// embedded broker and registry, migrations, every materialiser and the API.
type devProcess struct {
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	logPath  string
	api      string // http://host:port
	broker   string
	registry string
	admin    *kadm.Client
}

// devCursorSecret signs the API's cursors; any 32 characters do.
const devCursorSecret = "bench-cursor-secret-0123456789ab"

func startDev(ctx context.Context, aurum, dir, databaseURL, redisURL string) (*devProcess, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	d := &devProcess{
		exited:   make(chan struct{}),
		logPath:  filepath.Join(dir, "aurum-dev.log"),
		api:      "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		broker:   "127.0.0.1:" + strconv.Itoa(ports[1]),
		registry: "127.0.0.1:" + strconv.Itoa(ports[2]),
	}
	log, err := os.Create(d.logPath)
	if err != nil {
		return nil, err
	}
	defer func() { _ = log.Close() }()
	d.cmd = exec.Command(aurum, "dev", "--no-demo", "--broker-addr", d.broker, "--registry-addr", d.registry)
	d.cmd.Env = append(aurumFreeEnviron(),
		"AURUM_DATABASE_URL="+databaseURL,
		"AURUM_REDIS_URL="+redisURL,
		"AURUM_DATA_DIR="+dir,
		"AURUM_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(ports[0]),
		"AURUM_LOG_LEVEL=warn",
		"AURUM_RATE_LIMIT_RPS=1000000",
		"AURUM_RATE_LIMIT_BURST=1000000",
		"AURUM_CURSOR_SECRET="+devCursorSecret,
	)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start aurum dev: %w", err)
	}
	go func() { d.waitErr = d.cmd.Wait(); close(d.exited) }()
	if err := d.waitReady(ctx, 3*time.Minute); err != nil {
		_ = d.stop()
		return nil, fmt.Errorf("aurum dev: %w (log: %s)", err, d.logTail())
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(d.broker))
	if err != nil {
		_ = d.stop()
		return nil, err
	}
	d.admin = kadm.NewClient(cl)
	return d, nil
}

// waitReady polls GET /ready until it answers 200.
func (d *devProcess) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.api+"/ready", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-d.exited:
			return fmt.Errorf("exited before it was ready: %v", d.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s: %w", timeout, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// env is the environment of an `aurum` command run against this process.
func (d *devProcess) env() []string {
	return append(aurumFreeEnviron(),
		"AURUM_KAFKA_BROKERS="+d.broker,
		"AURUM_SCHEMA_REGISTRY_URL=http://"+d.registry,
		"AURUM_LOG_LEVEL=warn",
	)
}

// peakRSS is the process's high-water resident set size (VmHWM).
func (d *devProcess) peakRSS() (int64, error) {
	return peakRSS(d.cmd.Process.Pid)
}

// stop sends SIGTERM and waits for the process to finish its in-flight
// work; SIGKILL after a minute.
func (d *devProcess) stop() error {
	if d.admin != nil {
		d.admin.Close()
	}
	select {
	case <-d.exited:
		return nil
	default:
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-d.exited:
		return nil
	case <-time.After(time.Minute):
		_ = d.cmd.Process.Kill()
		<-d.exited
		return fmt.Errorf("aurum dev did not stop within a minute of SIGTERM")
	}
}

// logTail is the end of the process's log, for error messages.
func (d *devProcess) logTail() string {
	b, _ := os.ReadFile(d.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// aurumFreeEnviron is this process's environment without AURUM_*
// variables, so that a developer's settings cannot point the bench at
// other services.
func aurumFreeEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AURUM_") {
			env = append(env, kv)
		}
	}
	return env
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// peakRSS reads a process's high-water resident set size from /proc.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
