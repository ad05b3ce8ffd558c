// Package deploy holds what it takes to run tiergate: the container image
// (Dockerfile), Kubernetes manifests (kustomize base and overlay), a systemd
// unit, the GitHub App manifest and its registration page, a Grafana
// dashboard and an example org config. It has no code of its own; its tests
// keep these files consistent with the server's code (port, shutdown
// deadline, permissions, events, metric names) and with the README.
package deploy
