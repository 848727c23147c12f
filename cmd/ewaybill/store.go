package main

import "net/url"

// storeUsage is the --store flag's help: the backend a command works on.
const storeUsage = "PostgreSQL database `URL` (postgres://...) to use instead of the bbolt file in --data-dir"

// displayStore is a --store URL fit for output and logs: the password, if
// any, is replaced.
func displayStore(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the --store database"
	}
	return u.Redacted()
}
