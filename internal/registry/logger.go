package registry

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// warnLogger passes the Kafka client's warnings and errors to slog; its info
// and debug chatter (every connection) does not belong in a dev log.
type warnLogger struct{ logger *slog.Logger }

func (warnLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (l warnLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	sl := slog.LevelWarn
	if level == kgo.LogLevelError {
		sl = slog.LevelError
	}
	l.logger.Log(context.Background(), sl, msg, keyvals...)
}
