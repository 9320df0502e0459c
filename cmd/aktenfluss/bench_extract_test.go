package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBenchExtractTruthText runs the bench on the corpus's texts (no
// OCR) and reads its JSON.
func TestBenchExtractTruthText(t *testing.T) {
	dir := "../../.bench/scancorpus"
	if _, err := os.Stat(dir + "/manifest.json"); err != nil {
		t.Skip("scan corpus not present (make scancorpus)")
	}
	var out, errOut bytes.Buffer
	err := benchExtract(context.Background(), []string{"--corpus", dir, "--ocr=false", "--rounds", "1", "--json"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	var runs []extractRun
	require.NoError(t, json.Unmarshal(out.Bytes(), &runs))
	require.Len(t, runs, 1)
	require.Equal(t, "truth-text", runs[0].Input)
	require.Equal(t, 40, runs[0].Report.Docs)
	require.Empty(t, runs[0].Report.FalseMatches)
	require.Positive(t, runs[0].DocsPerSec)
}
