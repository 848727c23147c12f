package main

import (
	"testing"

	"github.com/ewaybill/ewaybill/internal/pgtest"
)

// TestMain stops the private PostgreSQL server, if a test started one.
func TestMain(m *testing.M) { pgtest.Main(m) }
