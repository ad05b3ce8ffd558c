// Package replicatest runs real `tiergate serve` processes against one fake
// GitHub (bot/githubtest) and, in PostgreSQL mode, one database, and breaks
// them the way production does: several replicas answering one pull request's
// events, bursts spread over replicas, kill -9 in the middle of an evaluation
// or right after the 202s, a primary rate limit, a delivery GitHub recorded
// as failed. Each test asserts what GitHub ends up showing.
//
// It holds tests only. TestMain builds the binary once with the go command
// on PATH; PostgreSQL comes from bot/pgstore/pgtest (a throwaway cluster, or
// TIERGATE_TEST_DATABASE_URL).
//
//	go test ./bot/replicatest/ -count=1 -v
package replicatest
