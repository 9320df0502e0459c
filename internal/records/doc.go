// Package records holds the domain of the registry: the register entry
// (Posteingangsbuch), the scan protocol (Transfervermerk), document kinds
// and statuses. Later issues add the file plan, files (Akten), processes
// (Vorgänge) and units here.
//
// It is the leaf of the import graph: persistence (internal/store) and the
// transport (internal/intake) depend on these types, not the other way round,
// so one definition of a register entry serves the SQL backends, the NATS
// envelope and the workflow input alike.
package records
