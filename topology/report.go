package topology

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// DriftKind says how a topic on the cluster differs from its declaration.
type DriftKind string

// Kinds of drift.
const (
	// DriftMissing: the declared topic does not exist.
	DriftMissing DriftKind = "missing"
	// DriftPartitions: the topic has more or fewer partitions than declared.
	// Never fixed automatically: adding partitions moves keys to other
	// partitions (breaking per-key order), and Kafka cannot remove any.
	DriftPartitions DriftKind = "partitions"
	// DriftReplication: the replication factor differs from a positive
	// declared one. Never fixed automatically (that is a reassignment).
	DriftReplication DriftKind = "replication"
	// DriftConfig: an owned config (cleanup.policy, retention.ms) has
	// another value than declared.
	DriftConfig DriftKind = "config"
)

// Drift is one difference between the declaration and the cluster.
type Drift struct {
	Topic string
	Kind  DriftKind
	// Config is the config key for DriftConfig, empty otherwise.
	Config string
	// Want and Have are the declared and the observed value; both are
	// empty for DriftMissing, and Have is empty for an unset config.
	Want, Have string
}

// String describes the drift without the topic, e.g.
// "partitions want 12 have 6" or "config retention.ms want 604800000 have 86400000".
func (d Drift) String() string {
	switch d.Kind {
	case DriftMissing:
		return "missing"
	case DriftConfig:
		have := d.Have
		if have == "" {
			have = "(unset)"
		}
		return fmt.Sprintf("config %s want %s have %s", d.Config, d.Want, have)
	default:
		return fmt.Sprintf("%s want %s have %s", d.Kind, d.Want, d.Have)
	}
}

// Report is what Apply did and what drift remains. Diff fills only Drift.
type Report struct {
	// Created lists the topics Apply created, in declaration order.
	Created []string
	// Fixed lists config drift that Apply corrected because
	// ApplyOptions.FixConfigs was set.
	Fixed []Drift
	// Drift lists every remaining difference, in declaration order. Apply
	// reports partition and replication drift here and leaves it alone.
	Drift []Drift
}

// InSync reports whether the cluster matches the declaration (after whatever
// Apply did).
func (r Report) InSync() bool { return len(r.Drift) == 0 }

// String renders the report as a table for the CLI, one row per created
// topic, fixed config and remaining drift.
func (r Report) String() string {
	if len(r.Created) == 0 && len(r.Fixed) == 0 && len(r.Drift) == 0 {
		return "topology in sync: nothing created, no drift\n"
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "TOPIC\tSTATUS\tDETAIL")
	for _, t := range r.Created {
		fmt.Fprintf(w, "%s\tcreated\t\n", t)
	}
	for _, d := range r.Fixed {
		fmt.Fprintf(w, "%s\tfixed\t%s\n", d.Topic, d)
	}
	for _, d := range r.Drift {
		fmt.Fprintf(w, "%s\tdrift\t%s\n", d.Topic, d)
	}
	_ = w.Flush() // a strings.Builder never fails a write
	return b.String()
}
