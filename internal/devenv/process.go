// Package devenv starts private PostgreSQL and Redis servers from the local
// installation, for `aurum dev` and for the test suite. Each server keeps its
// data under a directory of its own, listens on loopback only and, when the
// caller is root, runs as an unprivileged system user.
package devenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNotInstalled is returned when the server binaries cannot be found.
var ErrNotInstalled = errors.New("not installed")

// errExitedEarly is returned when a server process ends before it is ready.
var errExitedEarly = errors.New("exited during start-up")

// process is one server child process. It is started in its own process
// group and asked to stop when its parent dies, so a crashed `aurum dev`
// does not leave an orphan holding the data directory.
type process struct {
	name    string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logger  *slog.Logger
}

// startProcess runs bin with args as the given credential (nil = current
// user), appending output to logPath. It runs in logPath's directory, the
// server's own: the service user may not be able to enter the caller's
// working directory.
func startProcess(name, bin string, args []string, cred *syscall.Credential, logPath string, logger *slog.Logger) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = filepath.Dir(logPath)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGTERM,
		Credential: cred,
	}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{}), logger: logger}
	go func() {
		p.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	logger.Debug("started server", slog.String("server", name), slog.Int("pid", cmd.Process.Pid))
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, waits up to grace for the process to end, then kills it.
func (p *process) stop(sig syscall.Signal, grace time.Duration) error {
	if p.exited() {
		return nil
	}
	if sig == syscall.SIGKILL {
		p.killGroup()
		<-p.done
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", p.name, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	p.logger.Warn("server did not stop in time, killing it", slog.String("server", p.name))
	p.killGroup()
	<-p.done
	return nil
}

// killGroup kills the server and every process it forked.
func (p *process) killGroup() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// pause stops (SIGSTOP) the server and every process it forked, so that it
// keeps its sockets open and answers nothing; resume continues them.
func (p *process) pause() error { return p.signalTree(syscall.SIGSTOP) }

func (p *process) resume() error { return p.signalTree(syscall.SIGCONT) }

// signalTree sends sig to the server and to each of its descendants. Its
// process group is not enough: PostgreSQL's backends leave it (setsid).
func (p *process) signalTree(sig syscall.Signal) error {
	if p == nil || p.exited() {
		return fmt.Errorf("server is not running")
	}
	pid := p.cmd.Process.Pid
	// The server first: stopped, it forks no child the list would miss.
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("signal %s %s: %w", p.name, sig, err)
	}
	children, err := descendants(pid)
	if err != nil {
		return fmt.Errorf("signal %s %s: %w", p.name, sig, err)
	}
	for _, child := range children {
		// A child may have exited since the list was read.
		if err := syscall.Kill(child, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("signal %s child %d %s: %w", p.name, child, sig, err)
		}
	}
	return nil
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(fields[1]); err == nil {
			children[ppid] = append(children[ppid], child)
		}
	}
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out, nil
}

// waitReady polls ready until it succeeds, the process exits or ctx ends.
func (p *process) waitReady(ctx context.Context, logPath string, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var lastErr error
	for {
		if p.exited() {
			return fmt.Errorf("%s %w (%v); see %s", p.name, errExitedEarly, p.waitErr, logPath)
		}
		if lastErr = ready(ctx); lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last error: %v); see %s", p.name, ctx.Err(), lastErr, logPath)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// serviceUser returns the credential to run a server as: nil when not root,
// otherwise the first existing user of names.
func serviceUser(names ...string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range names {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root and none of the users %v exists to run the server as", names)
}

// assignPort picks a free loopback port for *port when it is 0, and keeps
// it for restarts.
func assignPort(port *int) error {
	if *port != 0 {
		return nil
	}
	p, err := freePort()
	*port = p
	return err
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
