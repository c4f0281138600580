// Package api is Aurum's HTTP API: an Echo server with one route table
// (routes.go), one handler file per resource, and middleware with one concern
// per file (request ids, access log, metrics, recover, auth, rate limits).
//
// Every error leaves through one place, the problem+json error handler in
// problem.go: handlers return a *Problem (or a wrapped one) for client
// errors and any other error for a 500 whose cause is logged, never shown.
// Successful responses use the envelope helpers in envelope.go.
package api
