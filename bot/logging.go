package bot

import (
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"
)

// Log levels and formats accepted by NewLogger (and TIERGATE_LOG_LEVEL,
// TIERGATE_LOG_FORMAT).
var (
	LogLevels  = []string{"debug", "info", "warn", "error"}
	LogFormats = []string{"json", "console"}
)

// NewLogger builds the process logger writing to w. Format "json" writes one
// JSON object per line (for log collectors); "console" writes plain text for
// people, without colour so it stays readable when piped.
func NewLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	var lvl zerolog.Level
	switch level {
	case "debug":
		lvl = zerolog.DebugLevel
	case "info":
		lvl = zerolog.InfoLevel
	case "warn":
		lvl = zerolog.WarnLevel
	case "error":
		lvl = zerolog.ErrorLevel
	default:
		return zerolog.Nop(), fmt.Errorf("log level %q is not one of debug, info, warn, error", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, NoColor: true, TimeFormat: time.RFC3339}
	default:
		return zerolog.Nop(), fmt.Errorf("log format %q is not one of json, console", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
