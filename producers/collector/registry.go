package collector

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// Spec is one source as `aurum collect` and `aurum dev` build it: its
// name, a line of help, its HTTP client's defaults, the flags that fill
// its configuration C, and its constructor. Each source package exports
// its Spec, and the composition root lists them in one Registry: a new
// source is its package plus one line there.
type Spec[C any, S Source] struct {
	// Name is the source's name, as Source.Name says it.
	Name string
	// Summary is the source's line in `aurum collect --help`.
	Summary string
	// Example is the flags of a command line that collects something of
	// the source, giving every flag it reads: the help shows it, and the
	// tests build the source from it.
	Example []string
	// Client returns the defaults of the source's HTTP client.
	Client func() ClientConfig
	// Flags declares on f the flags the source reads, each into a field of
	// cfg. Nil for a source without flags.
	Flags func(f *Flags, cfg *C)
	// New builds the source of cfg.
	New func(cfg C) (S, error)
}

// Registration is a Spec as a Registry holds it, whatever its types.
type Registration interface {
	spec() (name, summary string, example []string, client func() ClientConfig)
	bind(f *Flags) (build func() (Source, error))
	build(cfg any) (Source, error)
}

func (s Spec[C, S]) spec() (string, string, []string, func() ClientConfig) {
	return s.Name, s.Summary, s.Example, s.Client
}

func (s Spec[C, S]) bind(f *Flags) func() (Source, error) {
	cfg := new(C)
	if s.Flags != nil {
		s.Flags(f, cfg)
	}
	return func() (Source, error) { return s.newSource(*cfg) }
}

func (s Spec[C, S]) build(cfg any) (Source, error) {
	c, ok := cfg.(C)
	if !ok {
		return nil, fmt.Errorf("%s: configuration of type %T, want %T", s.Name, cfg, *new(C))
	}
	return s.newSource(c)
}

// newSource is New, returning a nil Source (not a nil S in one) on error.
func (s Spec[C, S]) newSource(cfg C) (Source, error) {
	src, err := s.New(cfg)
	if err != nil {
		return nil, err
	}
	return src, nil
}

// Registry is the sources a command knows, by name. Build it with
// NewRegistry.
type Registry struct {
	regs  map[string]Registration
	names []string // sorted
	// flags are the flag names each source reads, declared on a scratch
	// flag set once, for the help.
	flags map[string][]string
}

// NewRegistry returns the registry of regs. It panics when two share a
// name or declare one flag of two kinds: a registry is a literal of the
// composition root, and either is a mistake in it.
func NewRegistry(regs ...Registration) *Registry {
	r := &Registry{regs: map[string]Registration{}}
	for _, reg := range regs {
		name, _, _, _ := reg.spec()
		if _, dup := r.regs[name]; dup || name == "" {
			panic(fmt.Sprintf("collector registry: source %q registered twice or unnamed", name))
		}
		r.regs[name] = reg
		r.names = append(r.names, name)
	}
	slices.Sort(r.names)
	f, _, err := r.declare(flag.NewFlagSet("", flag.ContinueOnError))
	if err != nil {
		panic(fmt.Sprintf("collector registry: %v", err))
	}
	r.flags = f.bySource
	return r
}

// Names are the sources' names, sorted.
func (r *Registry) Names() []string { return slices.Clone(r.names) }

// Summary is source name's line of help.
func (r *Registry) Summary(name string) string {
	reg, ok := r.regs[name]
	if !ok {
		return ""
	}
	_, summary, _, _ := reg.spec()
	return summary
}

// Example is the flags of source name's example command line.
func (r *Registry) Example(name string) []string {
	reg, ok := r.regs[name]
	if !ok {
		return nil
	}
	_, _, example, _ := reg.spec()
	return slices.Clone(example)
}

// Flags are the names of the flags source name reads.
func (r *Registry) Flags(name string) []string { return slices.Clone(r.flags[name]) }

// Client returns the defaults of source name's HTTP client.
func (r *Registry) Client(name string) (ClientConfig, error) {
	reg, err := r.lookup(name)
	if err != nil {
		return ClientConfig{}, err
	}
	_, _, _, client := reg.spec()
	return client(), nil
}

// Build makes source name of cfg, which must be of the type its Spec
// configures (fred.Config for fred): how a command builds a source it
// knows without a command line.
func (r *Registry) Build(name string, cfg any) (Source, error) {
	reg, err := r.lookup(name)
	if err != nil {
		return nil, err
	}
	return reg.build(cfg)
}

// Bind declares every source's flags on fs, for a command line to choose
// a source and set them; once fs is parsed, Bound.Build makes the source.
func (r *Registry) Bind(fs *flag.FlagSet) *Bound {
	// NewRegistry has declared the same flags without an error.
	f, builds, _ := r.declare(fs)
	return &Bound{r: r, fs: fs, flags: f, builds: builds}
}

// declare declares every source's flags on fs and returns them with each
// source's constructor from their values.
func (r *Registry) declare(fs *flag.FlagSet) (*Flags, map[string]func() (Source, error), error) {
	f := newFlags(fs)
	builds := map[string]func() (Source, error){}
	for _, name := range r.names {
		f.source = name
		builds[name] = r.regs[name].bind(f)
	}
	return f, builds, f.err
}

func (r *Registry) lookup(name string) (Registration, error) {
	reg, ok := r.regs[name]
	if !ok {
		return nil, fmt.Errorf("unknown source %q (sources: %s)", name, strings.Join(r.names, ", "))
	}
	return reg, nil
}

// Bound is a Registry's flags declared on one flag set.
type Bound struct {
	r      *Registry
	fs     *flag.FlagSet
	flags  *Flags
	builds map[string]func() (Source, error)
}

// Build makes source name of the flags parsed. A flag given on the command
// line that another source reads but name does not is an error, rather
// than a setting silently ignored.
func (b *Bound) Build(name string) (Source, error) {
	if _, err := b.r.lookup(name); err != nil {
		return nil, err
	}
	var foreign []string
	b.fs.Visit(func(fl *flag.Flag) {
		if sf, ok := b.flags.flags[fl.Name]; ok && !sf.readBy(name) {
			foreign = append(foreign, "--"+fl.Name)
		}
	})
	if len(foreign) > 0 {
		return nil, fmt.Errorf("%s does not take %s (it takes %s)", name, strings.Join(foreign, ", "), FlagList(b.r.Flags(name)))
	}
	return b.builds[name]()
}

// FlagList writes flag names as a command line spells them:
// "--series --lookback".
func FlagList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "--" + n
	}
	return strings.Join(out, " ")
}
