// Package hygiene holds repository-wide checks, in its tests: every package
// says what it owns, dependencies point the way the design says, and the
// command layer stays thin.
package hygiene
