//go:build !unix

package broker

// dirLock is a no-op where flock is unavailable; running two brokers on one
// data directory is then the operator's responsibility.
type dirLock struct{}

func lockDir(string) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) release() {}
