package broker

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kfake"
)

// kfakeLogger adapts slog to kfake's printf-style logger, dropping messages
// below level: kfake logs every request at info, far too much for a dev log.
type kfakeLogger struct {
	logger *slog.Logger
	level  kfake.LogLevel
}

func newKfakeLogger(logger *slog.Logger, level kfake.LogLevel) *kfakeLogger {
	return &kfakeLogger{logger: logger, level: level}
}

// Logf implements kfake.Logger.
func (l *kfakeLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	if level > l.level || level == kfake.LogLevelNone {
		return
	}
	sl := slog.LevelDebug
	switch level {
	case kfake.LogLevelError:
		sl = slog.LevelError
	case kfake.LogLevelWarn:
		sl = slog.LevelWarn
	case kfake.LogLevelInfo:
		sl = slog.LevelInfo
	}
	l.logger.Log(context.Background(), sl, fmt.Sprintf(msg, args...))
}
