// Package textmetric measures OCR quality against ground truth: character
// error rate (CER) and word error rate (WER), both as edit distance over the
// length of the truth, after folding whitespace runs to one space.
package textmetric
