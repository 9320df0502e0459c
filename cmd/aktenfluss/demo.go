package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/aktenfluss/aktenfluss/app"
)

// feedDemo publishes the sample documents into a freshly started dev stack.
func feedDemo(ctx context.Context, info app.DevInfo, stdout io.Writer, log *slog.Logger) {
	n, err := app.FeedSamples(ctx, info)
	if err != nil {
		log.Error("demo documents", "error", err)
		return
	}
	fmt.Fprintf(stdout, "Demo: %d Beispieldokumente eingeliefert – siehe %s/\n", n, info.HTTP)
}
