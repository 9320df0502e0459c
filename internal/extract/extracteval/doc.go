// Package extracteval measures package extract against a scangen corpus
// (shared/tools/scangen: doc-NNN/scan.pdf + truth.json): it loads the
// truth, runs OCR on the scans, and counts per field what extraction got
// right. The extract corpus test and `aktenfluss bench extract` share it,
// so the figures in both come from one definition.
package extracteval
