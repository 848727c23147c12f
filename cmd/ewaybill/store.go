package main

import (
	"net/url"
	"strings"
)

// storeUsage is the --store flag's help: the backend a command works on.
const storeUsage = "PostgreSQL database `URL` (postgres://...) to use instead of the bbolt file in --data-dir (in progress)"

// isPostgresURL reports whether a --store value names a PostgreSQL
// database, the only kind --store takes so far.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// displayStore is a --store URL fit for output and logs: the password, if
// any, is replaced.
func displayStore(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the --store database"
	}
	return u.Redacted()
}
