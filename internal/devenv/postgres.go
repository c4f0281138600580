package devenv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresConfig configures a private PostgreSQL server.
type PostgresConfig struct {
	// Dir holds the cluster (Dir/pgdata), its sockets and its log. Created
	// and initialised on first start; reused afterwards. When running as
	// root and the service user cannot reach Dir, Dir becomes a link to a
	// directory under /var/lib/aurum (see serverDir).
	Dir string
	// Port on 127.0.0.1; 0 picks a free one.
	Port int
	// Database is created on start if missing. Default "aurum".
	Database string
	// NoTimescale starts the server without preloading TimescaleDB even
	// where it is installed, as a server whose operator did not configure
	// it: migrations then make plain tables. For tests of that path.
	NoTimescale bool
	// NoJobs keeps TimescaleDB's job scheduler from starting: policies
	// (compression, retention, continuous-aggregate refresh) run only when
	// called (CALL run_job, refresh_continuous_aggregate). Tests set it, as
	// TimescaleDB's own regression tests do: a job that fires at a moment of
	// its own in a test's database makes the test's outcome a matter of
	// timing.
	NoJobs bool
	// Durable keeps fsync on. Without it a crash of the server process
	// still loses no committed row (commits stay synchronous); only a crash
	// of the machine could. Tests turn it off for speed, `aurum dev` keeps it.
	Durable bool
}

// Postgres is a running private PostgreSQL server. Its superuser is "aurum",
// trusted on loopback only.
type Postgres struct {
	cfg    PostgresConfig
	bin    string
	cred   *syscall.Credential
	proc   *process
	logger *slog.Logger
}

// superuser is the role initdb creates; it owns every database.
const superuser = "aurum"

// StartPostgres initialises cfg.Dir on first use and starts the server.
func StartPostgres(ctx context.Context, cfg PostgresConfig, logger *slog.Logger) (*Postgres, error) {
	if cfg.Dir == "" {
		return nil, fmt.Errorf("postgres: a data directory is required")
	}
	cfg.Database = cmp.Or(cfg.Database, "aurum")
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	bin, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := serviceUser("postgres", "nobody")
	if err != nil {
		return nil, err
	}
	if cfg.Dir, err = serverDir(dir, "postgres", cred, logger); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p := &Postgres{cfg: cfg, bin: bin, cred: cred, logger: logger}
	if err := p.initdb(ctx); err != nil {
		return nil, err
	}
	if err := p.Start(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// timescaleSettings preload TimescaleDB, without which its extension
// cannot be created, keep it from calling home, and give it the background
// workers its policies (compression, retention, continuous aggregates) run
// in: one scheduler per database plus the jobs.
var timescaleSettings = []string{
	"-c", "shared_preload_libraries=timescaledb",
	"-c", "timescaledb.telemetry_level=off",
	"-c", "max_worker_processes=32",
	"-c", "timescaledb.max_background_workers=24",
}

// Timescale reports whether the server preloads TimescaleDB: the library is
// installed beside it and NoTimescale is not set.
func (p *Postgres) Timescale() bool {
	return !p.cfg.NoTimescale && p.TimescaleInstalled()
}

// TimescaleInstalled reports whether the TimescaleDB library is installed
// beside this server.
func (p *Postgres) TimescaleInstalled() bool {
	_, err := os.Stat(filepath.Join(filepath.Dir(p.bin), "lib", "timescaledb.so"))
	return err == nil
}

// postgresBinDir finds the newest PostgreSQL server installation, following
// symbolic links (a postgres on PATH may be a link into
// /usr/lib/postgresql/N/bin) so that the libraries beside it are found.
func postgresBinDir() (string, error) {
	if path, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		return filepath.Dir(path), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("postgres server binaries: %w (install the postgresql package, or set AURUM_DATABASE_URL)", ErrNotInstalled)
}

func (p *Postgres) dataDir() string { return filepath.Join(p.cfg.Dir, "pgdata") }
func (p *Postgres) logPath() string { return filepath.Join(p.cfg.Dir, "postgres.log") }

func (p *Postgres) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(p.dataDir(), "PG_VERSION")); err == nil {
		return nil
	}
	args := []string{"-D", p.dataDir(), "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C"}
	if !p.cfg.Durable {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, "initdb"), args...)
	cmd.Dir = p.cfg.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("postgres initdb in %s: %w: %s", p.dataDir(), err, out)
	}
	return nil
}

// Start starts the server (again, after Stop) on the configured port.
func (p *Postgres) Start(ctx context.Context) error {
	if p.proc != nil && !p.proc.exited() {
		return nil
	}
	if err := assignPort(&p.cfg.Port); err != nil {
		return err
	}
	args := []string{
		"-D", p.dataDir(),
		"-p", strconv.Itoa(p.cfg.Port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + p.cfg.Dir,
		"-c", "max_connections=200",
	}
	if p.Timescale() {
		args = append(args, timescaleSettings...)
		if p.cfg.NoJobs {
			args = append(args, "-c", "timescaledb.max_background_workers=0")
		}
	}
	if !p.cfg.Durable {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off")
	}
	// After a crash (Kill) the old server's children may take a moment to
	// die and release the shared memory; until then the new postmaster
	// exits at once. Retry such early exits for a few seconds.
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = p.startOnce(ctx, args); !errors.Is(err, errExitedEarly) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	return p.ensureDatabase(ctx)
}

func (p *Postgres) startOnce(ctx context.Context, args []string) error {
	proc, err := startProcess("postgres", filepath.Join(p.bin, "postgres"), args, p.cred, p.logPath(), p.logger)
	if err != nil {
		return err
	}
	p.proc = proc
	if err := proc.waitReady(ctx, p.logPath(), p.ping); err != nil {
		_ = proc.stop(syscall.SIGQUIT, time.Second)
		return err
	}
	return nil
}

func (p *Postgres) ping(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func (p *Postgres) ensureDatabase(ctx context.Context) error {
	return p.CreateDatabase(ctx, p.cfg.Database)
}

// CreateDatabase creates name if it does not exist.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: create database %s: %w", name, err)
	}
	return nil
}

// URL is the DSN of database on this server, as its superuser.
func (p *Postgres) URL(database string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", superuser, p.cfg.Port, database)
}

// DefaultURL is the DSN of the configured database.
func (p *Postgres) DefaultURL() string { return p.URL(p.cfg.Database) }

// Stop shuts the server down (fast shutdown: open transactions roll back).
func (p *Postgres) Stop() error {
	if p.proc == nil {
		return nil
	}
	return p.proc.stop(syscall.SIGINT, 15*time.Second)
}

// Pause freezes the server and its backends (SIGSTOP): connections stay
// open and the kernel still accepts new ones, but nothing answers, as with a
// hung host or a stalled disk. For outage tests; Resume ends it.
func (p *Postgres) Pause() error { return p.proc.pause() }

// Resume continues a paused server.
func (p *Postgres) Resume() error { return p.proc.resume() }

// Kill ends the server abruptly, like a crash or a power cut of the database
// host, for outage tests.
func (p *Postgres) Kill() error {
	if p.proc == nil {
		return nil
	}
	return p.proc.stop(syscall.SIGKILL, 15*time.Second)
}
