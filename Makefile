# The habits of this repository. `make demo` and `make test` are the README's
# two set-up commands; CI runs `.ci/run`, which calls `make test` and `make lint`.

export GOTOOLCHAIN := local
# Tesseract (issue 3) runs one thread per process; we parallelise across pages.
export OMP_THREAD_LIMIT := 1

GO        ?= go
BIN       := bin
DATA_DIR  ?= aktenfluss-data
HTTP_ADDR ?= 127.0.0.1:8080
STATICCHECK_VERSION   := v0.8.2
WORKFLOWCHECK_VERSION := v0.6.0

SHARED    ?= ../shared
CORPUS    ?= .bench/scancorpus

.PHONY: all build deps demo test test-short lint bench bench-intake bench-ocr bench-einvoice bench-extract bench-search bench-approval bench-audit bench-web scancorpus record-histories clean

all: build

build:
	$(GO) build -o $(BIN)/aktenfluss ./cmd/aktenfluss

# System packages the project needs on a fresh Debian/Ubuntu machine
# (idempotent; installs only what is missing).
deps:
	./scripts/install-deps.sh

# Build, start the embedded stack with sample documents, print where to look.
demo: deps build
	$(BIN)/aktenfluss dev --data-dir $(DATA_DIR) --http $(HTTP_ADDR) --demo

# Unit and integration tests: real embedded NATS, real embedded Temporal,
# SQLite and PostgreSQL (DATABASE_URL or 127.0.0.1:5432/test).
# -p 1: the end-to-end tests run real Tesseract, Temporal and NATS; one
# package at a time keeps them from starving each other on two cores.
test:
	$(GO) test -count=1 -p 1 -timeout 20m ./...

test-short:
	$(GO) test -count=1 -short ./...

$(BIN)/staticcheck:
	GOBIN=$(CURDIR)/$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/workflowcheck:
	GOBIN=$(CURDIR)/$(BIN) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

lint: $(BIN)/staticcheck $(BIN)/workflowcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...
	$(BIN)/workflowcheck ./workflows/...

# Intake throughput, latency and memory of `aktenfluss dev` (issue 2 targets:
# ≥ 30 documents/s, p95 < 2 s, RSS < 1 GiB on 2 cores).
bench: bench-intake bench-ocr bench-einvoice bench-extract bench-search bench-approval bench-audit bench-web

# 1,000 XRechnungen in approval at once in the embedded stack, decisions
# scripted (booked, rejected, cancelled): invoices/s and peak RSS.
bench-approval: build
	$(BIN)/aktenfluss bench approval -n 1000 --invoice $(SHARED)/corpus/einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml

# Full-text search over 100,000 synthetic letters, SQLite and PostgreSQL
# (a throwaway schema in DATABASE_URL's database, or the local test one).
bench-audit: build
	$(BIN)/aktenfluss bench audit --backend both --events 100000 --writers 64 --handles 2 --verify 1000000 $(if $(DATABASE_URL),--dsn "$(DATABASE_URL)")

bench-search: build
	$(BIN)/aktenfluss bench search --backend both --docs 100000 --queries 500 $(if $(DATABASE_URL),--dsn "$(DATABASE_URL)")

# Page times of the web server with login over HTTP (issue 8): a clerk's
# inbox of 10,000 open tasks, search over 100,000 documents, the register,
# invoices and files; fails when a page's p95 is over 300 ms.
bench-web: build
	$(BIN)/aktenfluss bench web --backend both --tasks 10000 --documents 100000 --requests 100 --clients 8 $(if $(DATABASE_URL),--dsn "$(DATABASE_URL)")

# A burst shows the ceiling; a paced run at the target rate shows latency.
bench-einvoice: build
	$(BIN)/aktenfluss bench einvoice --corpus $(SHARED)/corpus/einvoice --render

bench-intake: build
	$(BIN)/aktenfluss bench intake -n 1000
	$(BIN)/aktenfluss bench intake -n 900 --rate 30

# Our converter against `ocrmypdf --output-type pdfa-2 -l deu+eng` on the
# same 40-document scangen corpus (seed 1), in the same run (issue 3).
# The scan corpus the pageimage tests and bench-ocr read.
scancorpus: $(CORPUS)/manifest.json

$(CORPUS)/manifest.json:
	./scripts/install-bench-deps.sh --scangen
	/usr/bin/python3 $(SHARED)/tools/scangen/scangen.py --seed 1 --count 40 --out $(CORPUS)

bench-ocr: build $(CORPUS)/manifest.json
	./scripts/install-bench-deps.sh
	$(BIN)/aktenfluss bench ocr --corpus $(CORPUS) --gate $(SHARED)/tools/pdfacheck/pdfacheck.py

# Classification and field extraction on OCR of the scan corpus and on its
# exact texts: per-field recall/precision, documents/s without OCR.
bench-extract: build $(CORPUS)/manifest.json
	$(BIN)/aktenfluss bench extract --corpus $(CORPUS)

# Re-record the Temporal histories the replay tests use, from a real server.
record-histories:
	AKTENFLUSS_RECORD_HISTORY=1 $(GO) test -count=1 -run 'TestSameDocumentTwiceIsRegisteredOnce|TestUnreadableDocumentIsRegisteredAndMarked|TestCrashBetweenStartAndAck|TestEInvoiceThroughTheStack' ./app/

clean:
	rm -rf $(BIN)
