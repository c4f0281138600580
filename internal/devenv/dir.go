package devenv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
)

// relocatedRoot keeps the files of servers whose configured directory their
// service user cannot reach: a clone in root's home (mode 0700) puts
// ./.aurum behind a directory that the postgres and redis users may not
// enter. It is persistent, unlike /tmp, because `aurum dev` resumes on its
// state.
const relocatedRoot = "/var/lib/aurum"

// serverDir creates the directory a server run as cred keeps its files in
// and hands it to cred's user. That is dir itself unless the service user
// cannot reach dir; then it is a directory under relocatedRoot, and dir
// becomes a symbolic link to it, so that dir still shows where the files
// are and removing dir still starts the server afresh.
func serverDir(dir, name string, cred *syscall.Credential, logger *slog.Logger) (string, error) {
	if cred == nil {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("create %s: %w", dir, err)
		}
		return dir, nil
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", parent, err)
	}
	if blocked := unreachable(parent, cred); blocked != "" {
		target, err := relocate(dir, name, cred)
		if err != nil {
			return "", err
		}
		logger.Info("server files kept outside the data dir, which the server's user cannot reach",
			slog.String("server", name), slog.String("dir", target), slog.String("link", dir),
			slog.String("blocked_by", blocked), slog.Int("uid", int(cred.Uid)))
		dir = target
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	err := filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(cred.Uid), int(cred.Gid))
	})
	if err != nil {
		return "", fmt.Errorf("hand %s to uid %d: %w", dir, cred.Uid, err)
	}
	return dir, nil
}

// relocate returns the directory under relocatedRoot that stands in for
// dir: the one dir links to, which follows a clone that was moved, or else
// a new one named after dir's path, linked from dir.
func relocate(dir, name string, cred *syscall.Credential) (string, error) {
	if link, err := os.Readlink(dir); err == nil && filepath.Dir(link) == relocatedRoot {
		if info, err := os.Stat(link); err == nil && info.IsDir() {
			return link, nil
		}
	}
	sum := sha256.Sum256([]byte(dir))
	target := filepath.Join(relocatedRoot, name+"-"+hex.EncodeToString(sum[:8]))
	// Without the link the data dir is new or was removed to start
	// afresh: what target still holds belongs to the removed one, and
	// bringing it back would pair an old database with a new broker.
	if err := os.RemoveAll(target); err != nil {
		return "", fmt.Errorf("clear %s: %w", target, err)
	}
	if err := os.MkdirAll(relocatedRoot, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", relocatedRoot, err)
	}
	if blocked := unreachable(relocatedRoot, cred); blocked != "" {
		return "", fmt.Errorf("%s is not reachable by uid %d (directory %s lacks o+x)", relocatedRoot, cred.Uid, blocked)
	}
	if err := os.Mkdir(target, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", target, err)
	}
	// An empty directory in dir's place (an earlier version created one
	// before finding it unreachable) gives way to the link; files there
	// are someone's data and stay.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("uid %d cannot reach %s, and it holds files: move them or choose another data dir: %w", cred.Uid, dir, err)
	}
	if err := os.Symlink(target, dir); err != nil {
		return "", fmt.Errorf("link %s to %s: %w", dir, target, err)
	}
	return target, nil
}

// unreachable returns the first directory from dir up to the root that
// cred's user may not enter, or "" when it can reach dir.
func unreachable(dir string, cred *syscall.Credential) string {
	for ; ; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			return dir
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		perm := info.Mode().Perm()
		enter := perm&0o001 != 0 ||
			(ok && st.Uid == cred.Uid && perm&0o100 != 0) ||
			(ok && st.Gid == cred.Gid && perm&0o010 != 0)
		if !enter {
			return dir
		}
		if dir == "/" || dir == "." {
			return ""
		}
	}
}
