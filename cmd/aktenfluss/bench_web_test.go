package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBenchWebTiny runs the web bench on SQLite with tiny sizes: the
// server comes up with login, every page answers 200 to every user it is
// measured for, the listings report the filled totals, and the table has a
// row per page and round.
func TestBenchWebTiny(t *testing.T) {
	var out, errOut bytes.Buffer
	err := benchWeb(context.Background(), []string{"--backend", "sqlite", "--tasks", "120", "--documents", "300",
		"--files", "20", "--invoices", "30", "--requests", "5", "--clients", "2", "--p95", "10s"}, &out, &errOut)
	require.NoError(t, err, out.String()+errOut.String())
	text := out.String()
	for _, want := range []string{
		"sb63 /api/tasks?status=open ", "sb63 /api/tasks?status=open&offset=70",
		"pruefung /api/tasks?status=open", "registratur /search?q=Bescheid", "sb63 /api/search?q=%22mit",
		"poststelle / ", "sb63 /api/invoices", "registratur /api/files", "sqlite: all pages meet",
	} {
		require.Contains(t, text, want)
	}
	require.Equal(t, strings.Count(text, " seq "), strings.Count(text, " c=2 "), text)
}

// TestBenchWebFailsOverTarget: a page over the p95 target fails the run.
func TestBenchWebFailsOverTarget(t *testing.T) {
	var out, errOut bytes.Buffer
	err := benchWeb(context.Background(), []string{"--backend", "sqlite", "--tasks", "60", "--documents", "100",
		"--files", "5", "--invoices", "5", "--requests", "2", "--clients", "1", "--p95", "1ns"}, &out, &errOut)
	require.ErrorContains(t, err, "p95 over")
	require.Contains(t, out.String(), "OVER")
}
