package queue

import (
	"testing"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster that the PostgreSQL-mode
// tests start, if any.
func TestMain(m *testing.M) { pgtest.Main(m) }
