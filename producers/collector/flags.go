package collector

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Flags declare the command-line flags of every source of a Registry on
// one flag.FlagSet (see Spec.Flags). A flag several sources read
// (--feeds, --lookback) is one flag of the set: its value goes to each of
// them, and its help says which sources read it and what it means to
// each.
type Flags struct {
	fs     *flag.FlagSet
	source string // the source declaring its flags
	flags  map[string]*sourceFlag
	// bySource are the flags each source reads, in declaration order.
	bySource map[string][]string
	err      error
}

func newFlags(fs *flag.FlagSet) *Flags {
	return &Flags{fs: fs, flags: map[string]*sourceFlag{}, bySource: map[string][]string{}}
}

// List declares a repeatable flag of comma-separated values, blanks
// dropped, appended to *p.
func (f *Flags) List(p *[]string, name, usage string) {
	f.declare(name, usage, "list", listValue{p})
}

// Raw declares a repeatable flag whose values are appended to *p whole
// (an EIA facet holds commas).
func (f *Flags) Raw(p *[]string, name, usage string) {
	f.declare(name, usage, "raw", rawValue{p})
}

// String declares a flag setting *p.
func (f *Flags) String(p *string, name, usage string) {
	f.declare(name, usage, "string", stringValue{p})
}

// Bool declares a flag setting *p when given.
func (f *Flags) Bool(p *bool, name, usage string) {
	f.declare(name, usage, "bool", boolValue{p})
}

// Duration declares a flag setting *p (a Go duration: 48h, 90m).
func (f *Flags) Duration(p *time.Duration, name, usage string) {
	f.declare(name, usage, "duration", durationValue{p})
}

// Lookback declares --lookback, which the sources with a default window
// share: how far before now a collection without --since begins.
func (f *Flags) Lookback(p *time.Duration) {
	f.Duration(p, "lookback", "how far before now a collection without --since begins (0: the source's default)")
}

func (f *Flags) declare(name, usage, kind string, v flag.Value) {
	sf, ok := f.flags[name]
	if !ok {
		sf = &sourceFlag{kind: kind}
		f.flags[name] = sf
		f.fs.Var(sf, name, "")
	}
	if sf.kind != kind {
		f.err = fmt.Errorf("flag --%s: %s declares it a %s, another source a %s", name, f.source, kind, sf.kind)
		return
	}
	sf.values = append(sf.values, v)
	sf.readers = append(sf.readers, reader{source: f.source, usage: usage})
	f.fs.Lookup(name).Usage = sf.usage()
	f.bySource[f.source] = append(f.bySource[f.source], name)
}

// sourceFlag is one flag of the set: the values of the sources reading
// it, each of which it sets.
type sourceFlag struct {
	kind    string
	values  []flag.Value
	readers []reader
}

type reader struct{ source, usage string }

func (s *sourceFlag) Set(v string) error {
	for _, val := range s.values {
		if err := val.Set(v); err != nil {
			return err
		}
	}
	return nil
}

func (s *sourceFlag) String() string {
	if s == nil || len(s.values) == 0 {
		return ""
	}
	return s.values[0].String()
}

// IsBoolFlag lets a bool flag be given without a value.
func (s *sourceFlag) IsBoolFlag() bool { return s.kind == "bool" }

// readBy reports whether source reads the flag.
func (s *sourceFlag) readBy(source string) bool {
	return slices.ContainsFunc(s.readers, func(r reader) bool { return r.source == source })
}

// usage is the flag's help: each meaning it has, after the sources it has
// it for, then how it is given ("ercot, spp: settlement points; pjm:
// pnode ids (comma-separated or repeated)").
func (s *sourceFlag) usage() string {
	var meanings []string
	sources := map[string][]string{}
	for _, r := range s.readers {
		if _, seen := sources[r.usage]; !seen {
			meanings = append(meanings, r.usage)
		}
		sources[r.usage] = append(sources[r.usage], r.source)
	}
	parts := make([]string, len(meanings))
	for i, m := range meanings {
		parts[i] = strings.Join(sources[m], ", ") + ": " + m
	}
	return strings.Join(parts, "; ") + kindUsage[s.kind]
}

// kindUsage says how a flag of a kind is given.
var kindUsage = map[string]string{"list": " (comma-separated or repeated)", "raw": " (repeatable)"}

// The values of the kinds of flags. Each prints "" for its zero value, so
// that the help shows no default for a flag a source has not set.

type listValue struct{ p *[]string }

func (l listValue) String() string { return strings.Join(*l.p, ",") }

func (l listValue) Set(s string) error {
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l.p = append(*l.p, v)
		}
	}
	return nil
}

type rawValue struct{ p *[]string }

func (r rawValue) String() string { return strings.Join(*r.p, " ") }

func (r rawValue) Set(s string) error {
	*r.p = append(*r.p, s)
	return nil
}

type stringValue struct{ p *string }

func (s stringValue) String() string { return *s.p }

func (s stringValue) Set(v string) error {
	*s.p = v
	return nil
}

type boolValue struct{ p *bool }

func (b boolValue) String() string {
	if !*b.p {
		return ""
	}
	return "true"
}

func (b boolValue) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return err
	}
	*b.p = x
	return nil
}

type durationValue struct{ p *time.Duration }

func (d durationValue) String() string {
	if *d.p == 0 {
		return ""
	}
	return d.p.String()
}

func (d durationValue) Set(v string) error {
	x, err := time.ParseDuration(v)
	if err != nil {
		return err
	}
	*d.p = x
	return nil
}
