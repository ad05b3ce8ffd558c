package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/tiergate/tiergate/bot"
)

// runServe runs the GitHub App server until ctx ends (SIGTERM or SIGINT),
// then shuts down gracefully. A bad setting is reported in one line naming
// the variable and ends with exit status 2.
func runServe(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	s, err := bot.LoadSettings(args, env)
	if errors.Is(err, flag.ErrHelp) {
		bot.SettingsUsage(stdout)
		return nil
	}
	if err != nil {
		fmt.Fprintf(stderr, "tiergate serve: %v\n", err)
		return exitStatus(2)
	}
	logger, err := bot.NewLogger(stderr, s.LogLevel, s.LogFormat)
	if err != nil {
		fmt.Fprintf(stderr, "tiergate serve: %v\n", err)
		return exitStatus(2)
	}
	srv, err := bot.New(ctx, s, logger)
	if err != nil {
		fmt.Fprintf(stderr, "tiergate serve: %v\n", err)
		return exitStatus(2)
	}
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Listen, err)
	}
	logger.Info().Object("settings", s).Msg("starting tiergate serve")
	return srv.Serve(logger.WithContext(ctx), ln)
}
