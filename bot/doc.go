// Package bot is tiergate's GitHub App server: Settings, New and Server
// (HTTP, Serve, shutdown), the dispatcher that runs each kind of job, and
// the metrics registry. Its parts live in packages of their own:
//
//	intake      webhook HTTP handling: signature, body budget, routing
//	queue       jobs, retries and the in-memory and PostgreSQL queues
//	evaluator   config, gathering, the engine call, check run and comment
//	sweep       self-healing: missing checks and failed deliveries
//	ghclient    App and installation clients, retries, pagination, metrics
//	logfield    log field keys shared by all of them
package bot
