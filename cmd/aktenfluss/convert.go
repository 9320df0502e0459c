package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/convert"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// cmdConvert is the standalone converter: a scan in, a searchable PDF/A
// out, the same code path as the workflow without any server.
func cmdConvert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("convert", stderr)
	out := fs.String("o", "", "output PDF/A file (required)")
	textOut := fs.String("text", "", "also write the recognised text here, pages separated by form feed")
	lang := fs.String("lang", ocr.DefaultLanguages, "Tesseract languages")
	jobs := fs.Int("jobs", runtime.NumCPU(), "pages recognised at once")
	title := fs.String("title", "", "document title (default: the input's file name)")
	pf := addProtocolFlags(fs)
	// Flags may follow the input file, as with ocrmypdf.
	var in string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		in, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if in == "" && fs.NArg() == 1 {
		in = fs.Arg(0)
	}
	if in == "" || *out == "" {
		return usageError{"convert: usage: aktenfluss convert IN -o OUT.pdf [--text OUT.txt] [--lang deu+eng] [--jobs N]"}
	}
	_, proto, err := pf.parse()
	if err != nil {
		return err
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, intake.HeadSize)
	n, _ := io.ReadFull(f, head)
	mediaType, err := intake.DetectMediaType(head[:n], in)
	if err != nil {
		return err
	}
	eng, err := ocr.NewEngine(ocr.Options{Languages: *lang, Jobs: *jobs})
	if err != nil {
		return err
	}
	defer func() { _ = eng.Close() }()
	if *title == "" {
		*title = filepath.Base(in)
	}
	meta := convert.Meta{Title: *title, ReceivedAt: fi.ModTime().UTC().Truncate(time.Second), ScanProtocol: proto}
	if meta.ScanProtocol == nil {
		meta.ScanProtocol = &records.ScanProtocol{}
	}
	meta.ScanProtocol.Checks = []string{"ocr-text-layer", "pdfa-2b-self-check"}

	tmp, err := os.CreateTemp(filepath.Dir(*out), ".aktenfluss-convert-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	res, err := convert.Convert(ctx, eng, *jobs, f, fi.Size(), mediaType, pageimage.DefaultLimits(), meta, tmp)
	if err != nil {
		_ = tmp.Close()
		if errors.Is(err, pageimage.ErrNotAScan) && mediaType == intake.MediaTypePDF {
			return convertBornDigital(ctx, in, *out, *textOut, stdout)
		}
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	if *textOut != "" {
		if err := os.WriteFile(*textOut, []byte(convert.Text(res.Pages)), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %d Seite(n), %d Bytes PDF/A-2b, %s\n", *out, len(res.Pages), len(res.PDF), res.Elapsed.Round(time.Millisecond))
	return nil
}

// convertBornDigital handles a PDF that already has a text layer: no OCR;
// kept when it is PDF/A already, converted with Ghostscript otherwise.
func convertBornDigital(ctx context.Context, in, out, textOut string, stdout io.Writer) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	rep, err := pdfa.Check(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	how := "bereits PDF/A, unverändert übernommen"
	if !rep.OK() {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		var buf bytes.Buffer
		if err := pdfa.ConvertWithGhostscript(ctx, f, &buf); err != nil {
			return err
		}
		data, how = buf.Bytes(), "mit Ghostscript nach PDF/A-2b konvertiert"
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	if textOut != "" {
		text, err := convert.ExtractText(ctx, in)
		if err != nil {
			return err
		}
		if err := os.WriteFile(textOut, []byte(text), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: PDF mit Textebene, %s\n", out, how)
	return nil
}

// cmdPDFA is `aktenfluss pdfa check FILE…`: the PDF/A self-check, each rule
// by name.
func cmdPDFA(_ context.Context, args []string, stdout io.Writer) error {
	if len(args) < 2 || args[0] != "check" {
		return usageError{"pdfa: usage: aktenfluss pdfa check FILE…"}
	}
	failed := 0
	for _, path := range args[1:] {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rep, err := pdfa.Check(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			fmt.Fprintf(stdout, "%s: nicht lesbar / unreadable: %v\n", path, err)
			failed++
			continue
		}
		verdict := "bestanden / passed"
		if !rep.OK() {
			verdict = "NICHT bestanden / FAILED"
			failed++
		}
		fmt.Fprintf(stdout, "%s: PDF/A-%d%s %s\n", path, rep.Part, strings.ToLower(rep.Conformance), verdict)
		for _, r := range rep.Rules {
			mark := "ok  "
			if !r.Passed {
				mark = "FAIL"
			}
			fmt.Fprintf(stdout, "  %s %-28s %s", mark, r.ID, r.Title)
			if r.Detail != "" {
				fmt.Fprintf(stdout, " — %s", r.Detail)
			}
			fmt.Fprintln(stdout)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d von %d Dateien nicht PDF/A-konform", failed, len(args)-1)
	}
	return nil
}
