package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/auth"
)

// feedDemo gives a freshly started dev stack the demo accounts (when login
// is on) and publishes the sample documents into it.
func feedDemo(ctx context.Context, info app.DevInfo, login bool, stdout io.Writer, log *slog.Logger) {
	if login {
		accounts, err := app.SeedDemoAccountsFor(ctx, info)
		if err != nil {
			log.Error("demo accounts", "error", err)
			return
		}
		printDemoAccounts(stdout, info, accounts)
	}
	n, err := app.FeedSamples(ctx, info)
	if err != nil {
		log.Error("demo documents", "error", err)
		return
	}
	fmt.Fprintf(stdout, "Demo: %d Beispieldokumente eingeliefert – siehe %s/\n", n, info.HTTP)
}

// printDemoAccounts shows where to log in and with which account.
func printDemoAccounts(w io.Writer, info app.DevInfo, accounts []app.DemoAccount) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Demo-Zugänge / demo accounts (Anmeldung: %s/login; auch in %s):\n", info.HTTP, filepath.Join(info.DataDir, app.DemoAccountsFile))
	for _, a := range accounts {
		fmt.Fprintf(&sb, "  %-13s %-20s %-20s %s\n", a.Login, a.Password, auth.RoleLabels(a.Roles), a.Note)
	}
	_, _ = io.WriteString(w, sb.String())
}
