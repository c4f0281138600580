package schemas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/avrocompat"
)

// ErrMissingDoc is wrapped by every problem CheckDocs reports.
var ErrMissingDoc = errors.New("missing doc")

// ErrUnrecorded is wrapped when a schema differs from the latest version kept
// under history/, i.e. a change was made without recording it.
var ErrUnrecorded = errors.New("schema change not recorded in history")

// Check is `aurum schemas check`: it verifies that every schema parses,
// documents every record, field and enum, equals the latest version kept in
// history/ and can read records written with the earlier ones (BACKWARD).
// When c is not nil it also checks every schema against the versions
// registered under its subject, at the subject's configured compatibility
// level. The error lists every problem found; each wraps ErrMissingDoc,
// ErrUnrecorded or avrocompat.ErrIncompatible where one applies.
func Check(ctx context.Context, c *sr.Client) error {
	return check(ctx, records, historyFS, c)
}

func check(ctx context.Context, recs []Record, history fs.FS, c *sr.Client) error {
	var problems []error
	for _, r := range recs {
		problems = append(problems, flatten(checkRecord(ctx, r, history, c))...)
	}
	return errors.Join(problems...)
}

func checkRecord(ctx context.Context, r Record, history fs.FS, c *sr.Client) error {
	if _, err := avro.ParseWithCache(r.Schema, "", &avro.SchemaCache{}); err != nil {
		return fmt.Errorf("%s: parse: %w", r.Name, err)
	}
	var problems []error
	report := func(prefix string, err error) {
		for _, e := range flatten(err) {
			problems = append(problems, fmt.Errorf("%s: %w", prefix, e))
		}
	}
	report(r.Name, CheckDocs(r.Schema))
	report(r.Name+": history", checkHistory(r, history))
	if c != nil {
		report(r.Name+": registry subject "+r.Subject, checkRegistry(ctx, r, c))
	}
	return errors.Join(problems...)
}

// flatten lists the errors joined in err, one per problem.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}

// checkHistory compares r with history/<ShortName>/v1.avsc, v2.avsc, ...
func checkHistory(r Record, history fs.FS) error {
	versions, err := readHistory(history, r.ShortName())
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return fmt.Errorf("%w: add history/%s/v1.avsc", ErrUnrecorded, r.ShortName())
	}
	same, err := sameSchema(r.Schema, versions[len(versions)-1])
	if err != nil {
		return fmt.Errorf("history/%s/v%d.avsc: %w", r.ShortName(), len(versions), err)
	}
	var problems []error
	previous := versions
	if same {
		previous = versions[:len(versions)-1]
	} else {
		problems = append(problems, fmt.Errorf("%w: schema differs from history/%s/v%d.avsc; once it passes, copy it to history/%s/v%d.avsc",
			ErrUnrecorded, r.ShortName(), len(versions), r.ShortName(), len(versions)+1))
	}
	if err := avrocompat.Check(avrocompat.Backward, r.Schema, previous); err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}

// readHistory returns the texts of dir's v1.avsc, v2.avsc, ... in version
// order, insisting on an unbroken sequence so a lost version is noticed.
func readHistory(history fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(history, path.Join("history", dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	byVersion := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "v"), ".avsc"))
		if e.IsDir() || !strings.HasPrefix(name, "v") || !strings.HasSuffix(name, ".avsc") || err != nil || n < 1 {
			return nil, fmt.Errorf("history/%s/%s: want files named v1.avsc, v2.avsc and so on", dir, name)
		}
		b, err := fs.ReadFile(history, path.Join("history", dir, name))
		if err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		byVersion[n] = string(b)
	}
	out := make([]string, 0, len(byVersion))
	for v := 1; v <= len(byVersion); v++ {
		text, ok := byVersion[v]
		if !ok {
			return nil, fmt.Errorf("history/%s: v%d.avsc is missing", dir, v)
		}
		out = append(out, text)
	}
	return out, nil
}

// sameSchema reports whether two schema texts are the same JSON document,
// ignoring formatting. Docs and defaults count: a registry registers a new
// version when they change, so history must too.
func sameSchema(a, b string) (bool, error) {
	na, err := normalizeJSON(a)
	if err != nil {
		return false, err
	}
	nb, err := normalizeJSON(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(na, nb), nil
}

func normalizeJSON(s string) ([]byte, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", err)
	}
	return json.Marshal(v)
}

// checkRegistry checks r against the versions registered under its subject,
// as the registry would before registering it. If r is already the latest
// version this passes trivially; if someone registered a later version, it
// tells whether r (today's reader) can still read what that version writes.
func checkRegistry(ctx context.Context, r Record, c *sr.Client) error {
	registered, err := c.Schemas(ctx, r.Subject)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list versions: %w", err)
	}
	sort.Slice(registered, func(i, j int) bool { return registered[i].Version < registered[j].Version })
	previous := make([]string, 0, len(registered))
	for _, s := range registered {
		previous = append(previous, s.Schema.Schema)
	}
	level := avrocompat.Backward
	res := c.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), r.Subject)
	if len(res) == 1 && res[0].Err == nil {
		if l, err := avrocompat.ParseLevel(res[0].Level.String()); err == nil {
			level = l
		}
	} else if len(res) == 1 && !isNotFound(res[0].Err) {
		return fmt.Errorf("read compatibility level: %w", res[0].Err)
	}
	if err := avrocompat.Check(level, r.Schema, previous); err != nil {
		return err
	}
	return nil
}

// isNotFound reports whether err is a registry 404 (subject, version or
// schema not found).
func isNotFound(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == 404
}

// CheckDocs reports every record, field, enum and fixed type in the schema
// text that lacks a non-empty "doc", each problem wrapping ErrMissingDoc.
func CheckDocs(schema string) error {
	var root any
	if err := json.Unmarshal([]byte(schema), &root); err != nil {
		return fmt.Errorf("parse schema JSON: %w", err)
	}
	var problems []error
	walkDocs(root, "", &problems)
	return errors.Join(problems...)
}

// walkDocs visits a schema node; ns is the enclosing namespace.
func walkDocs(node any, ns string, problems *[]error) {
	switch n := node.(type) {
	case []any: // union
		for _, t := range n {
			walkDocs(t, ns, problems)
		}
	case map[string]any:
		typ, _ := n["type"].(string)
		switch typ {
		case "record", "error", "enum", "fixed":
			name, _ := n["name"].(string)
			if s, ok := n["namespace"].(string); ok && !strings.Contains(name, ".") {
				ns = s
			}
			full := name
			if ns != "" && !strings.Contains(name, ".") {
				full = ns + "." + name
			}
			if !hasDoc(n) {
				*problems = append(*problems, fmt.Errorf("%w on %s %s", ErrMissingDoc, typ, full))
			}
			if i := strings.LastIndexByte(full, '.'); i >= 0 {
				ns = full[:i]
			}
			fields, _ := n["fields"].([]any)
			for _, f := range fields {
				fm, _ := f.(map[string]any)
				fname, _ := fm["name"].(string)
				if !hasDoc(fm) {
					*problems = append(*problems, fmt.Errorf("%w on field %s.%s", ErrMissingDoc, full, fname))
				}
				walkDocs(fm["type"], ns, problems)
			}
		case "array":
			walkDocs(n["items"], ns, problems)
		case "map":
			walkDocs(n["values"], ns, problems)
		default:
			// A primitive, possibly with a logical type, or {"type": {...}}.
			if _, ok := n["type"].(string); !ok {
				walkDocs(n["type"], ns, problems)
			}
		}
	}
}

func hasDoc(m map[string]any) bool {
	doc, _ := m["doc"].(string)
	return strings.TrimSpace(doc) != ""
}
