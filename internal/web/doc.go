// Package web is aktenfluss's HTTP surface. For now: liveness and readiness,
// Prometheus metrics, and a plain German page listing the register
// (Posteingangsbuch) with each entry's audit trail. The REST API and the full
// UI for mailroom, clerks, approvers and auditors grow here.
package web
