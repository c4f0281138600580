package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// payload reads the fields of one driver's JSON object payload, recording a
// problem for each missing, malformed or out-of-range field under its JSON
// path, and, in finish, for each field no accessor asked for.
type payload struct {
	path   string
	fields map[string]json.RawMessage
	known  []string
	errs   *ValidationErrors
}

// openPayload parses raw (absent or null is an empty object). It returns
// false, having recorded the problem, when raw is not a JSON object.
func openPayload(path string, raw json.RawMessage, errs *ValidationErrors) (*payload, bool) {
	p := &payload{path: path, fields: map[string]json.RawMessage{}, errs: errs}
	if len(bytes.TrimSpace(raw)) == 0 {
		return p, true
	}
	if err := json.Unmarshal(raw, &p.fields); err != nil {
		errs.add(path, "must be a JSON object")
		return p, false
	}
	if p.fields == nil { // "null"
		p.fields = map[string]json.RawMessage{}
	}
	return p, true
}

func (p *payload) field(name string) string { return p.path + "." + name }

// get returns the raw value of name, false when it is absent or null.
func (p *payload) get(name string) (json.RawMessage, bool) {
	if !slices.Contains(p.known, name) {
		p.known = append(p.known, name)
	}
	raw, ok := p.fields[name]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, false
	}
	return raw, true
}

// number reads a number in rng. Absent, it records a problem when required;
// ok is true only for a present, valid number.
func (p *payload) number(name string, required bool, rng numRange) (x float64, ok bool) {
	raw, present := p.get(name)
	if !present {
		if required {
			p.errs.add(p.field(name), fmt.Sprintf("is required: %s", rng))
		}
		return 0, false
	}
	if err := json.Unmarshal(raw, &x); err != nil || !rng.contains(x) {
		p.errs.add(p.field(name), fmt.Sprintf("must be %s, not %s", rng, compact(raw)))
		return 0, false
	}
	return x, true
}

// str reads a non-empty string, trimmed.
func (p *payload) str(name string, required bool) (string, bool) {
	raw, present := p.get(name)
	if !present {
		if required {
			p.errs.add(p.field(name), "is required")
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || strings.TrimSpace(s) == "" {
		p.errs.add(p.field(name), fmt.Sprintf("must be a non-empty string, not %s", compact(raw)))
		return "", false
	}
	return strings.TrimSpace(s), true
}

// enum reads one of allowed, matched case-insensitively; it returns the
// allowed spelling.
func (p *payload) enum(name string, required bool, allowed ...string) (string, bool) {
	reason := "must be one of " + strings.Join(allowed, ", ")
	raw, present := p.get(name)
	if !present {
		if required {
			p.errs.add(p.field(name), "is required: one of "+strings.Join(allowed, ", "))
		}
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if i := slices.Index(allowed, strings.ToLower(strings.TrimSpace(s))); i >= 0 {
			return allowed[i], true
		}
	}
	p.errs.add(p.field(name), fmt.Sprintf("%s, not %s", reason, compact(raw)))
	return "", false
}

// month reads a "YYYY-MM" month as a month index (see monthIndex).
func (p *payload) month(name string, required bool) (int, bool) {
	raw, present := p.get(name)
	if !present {
		if required {
			p.errs.add(p.field(name), "is required: a month YYYY-MM")
		}
		return 0, false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && len(s) == len("2006-01") {
		if t, err := time.Parse("2006-01", s); err == nil {
			return monthIndex(t), true
		}
	}
	p.errs.add(p.field(name), fmt.Sprintf("must be a month YYYY-MM, not %s", compact(raw)))
	return 0, false
}

// classes reads a non-empty list of asset classes as a set; absent, it
// returns the set of defaults.
func (p *payload) classes(name string, defaults ...string) map[string]bool {
	set := make(map[string]bool)
	raw, present := p.get(name)
	if !present {
		for _, c := range defaults {
			set[c] = true
		}
		return set
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		p.errs.add(p.field(name), fmt.Sprintf("must be a non-empty list of asset classes (%s)", strings.Join(assetClasses, ", ")))
		return set
	}
	for i, c := range list {
		c = strings.ToLower(strings.TrimSpace(c))
		if !slices.Contains(assetClasses, c) {
			p.errs.add(fmt.Sprintf("%s[%d]", p.field(name), i), fmt.Sprintf("%q is not one of %s", list[i], strings.Join(assetClasses, ", ")))
			continue
		}
		set[c] = true
	}
	return set
}

// filter reads a dimension filter over dims: an object whose values are a
// string or a list of strings.
func (p *payload) filter(name string, dims []string) (map[string][]string, bool) {
	raw, present := p.get(name)
	if !present {
		return nil, false
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		p.errs.add(p.field(name), "must be an object of dimension filters")
		return nil, false
	}
	f := make(map[string][]string, len(obj))
	bad := false
	for key, v := range obj {
		var one string
		var list []string
		switch {
		case json.Unmarshal(v, &one) == nil:
			f[key] = []string{one}
		case json.Unmarshal(v, &list) == nil:
			f[key] = list
		default:
			p.errs.add(p.field(name)+"."+key, "must be a string or a list of strings")
			bad = true
		}
	}
	n := len(*p.errs)
	validateFilter(p.field(name), f, dims, p.errs)
	return f, !bad && len(*p.errs) == n
}

// finish records every field no accessor asked for.
func (p *payload) finish() {
	for _, name := range sortedKeys(p.fields) {
		if !slices.Contains(p.known, name) {
			p.errs.add(p.field(name), "unknown field; known: "+strings.Join(p.known, ", "))
		}
	}
}

// compact renders raw JSON for an error message, shortened when long.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		b.Reset()
		b.Write(raw)
	}
	s := b.String()
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// monthIndex numbers months consecutively: year·12 + month − 1.
func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }
