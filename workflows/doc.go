// Package workflows holds aktenfluss's Temporal workflow code and nothing
// else. Everything here is deterministic: no I/O, no wall-clock time, no map
// iteration for order, no native goroutines. Side effects happen in
// activities (package activities); workflows pass small structs and blob
// references, never document bytes.
//
// Changes to the command order of a running workflow go behind
// workflow.GetVersion with a dated change id, and the replay tests over the
// recorded histories in testdata/ prove old runs still replay.
package workflows
