// Package sqlb writes SQL statements and collects their bound arguments.
//
// Every value from a caller is an argument; a statement's text only ever
// contains constants and names of the package that writes it. So the text
// depends only on the shape of a query (which of its parts are present),
// and the database plans and pgx prepares it once per shape whatever the
// values.
package sqlb

import (
	"strconv"
	"strings"
)

// Builder writes a statement and collects its arguments.
type Builder struct {
	sql  strings.Builder
	args []any
}

// New returns an empty Builder.
func New() *Builder { return &Builder{} }

// Text appends constant SQL.
func (b *Builder) Text(s string) { b.sql.WriteString(s) }

// Param binds v and returns its placeholder, for text that uses it more
// than once.
func (b *Builder) Param(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// Arg binds v and appends its placeholder followed by suffix (a cast, a
// separator, the rest of a clause).
func (b *Builder) Arg(v any, suffix string) {
	b.Text(b.Param(v) + suffix)
}

// SQL is the text written.
func (b *Builder) SQL() string { return b.sql.String() }

// Args are the arguments bound so far, in placeholder order.
func (b *Builder) Args() []any { return b.args }
