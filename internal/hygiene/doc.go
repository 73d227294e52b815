// Package hygiene holds repository-wide checks, in its tests: every package
// says what it owns, and dependencies point the way the design says.
package hygiene
