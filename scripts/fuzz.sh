#!/usr/bin/env bash
# Runs every Go fuzz target of the module (func FuzzX(f *testing.F) in a
# _test.go file) for FUZZTIME each (default 10s), FUZZ_JOBS packages at a
# time (default 2, one fuzzing worker each; a package's targets one after
# the other): go test fuzzes one target per invocation. A failing input is saved by go test under the package's
# testdata/fuzz/FuzzX/; commit it with the fix, and plain `go test` replays
# it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
export GO="${GO:-go}" FUZZTIME="${FUZZTIME:-10s}"
FUZZ_JOBS="${FUZZ_JOBS:-2}"

fuzz_one() {
  local pkg=$1 target=$2 log try
  log=$(mktemp)
  for try in 1 2; do
    if "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" -parallel 1 "./$pkg" >"$log" 2>&1; then
      echo "ok    $target ($pkg)"
      rm -f "$log"
      return 0
    fi
    # Go's fuzzing coordinator can fail a clean run at the -fuzztime
    # deadline when the CPU is contended (golang/go#75804, fixed in Go
    # 1.27): a bare "context deadline exceeded", no failing input written.
    # Such a run is tried again; a finding (an input written) is not.
    if ! grep -q 'context deadline exceeded' "$log" || grep -q 'Failing input written' "$log"; then
      break
    fi
    echo "again $target ($pkg): the run ended in the fuzzing coordinator's deadline race, with no failing input"
  done
  echo "FAIL  $target ($pkg)"
  cat "$log"
  rm -f "$log"
  return 1
}
# fuzz_package runs the targets of one package one after the other: the
# first builds the package's instrumented test binary, the others reuse it
# (two at once would each build it).
fuzz_package() {
  local pkg=$1 target status=0
  shift
  for target in "$@"; do
    fuzz_one "$pkg" "$target" || status=1
  done
  return $status
}
export -f fuzz_one fuzz_package

grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . |
  sed -E 's#^\./(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+).*#\1 \2#' |
  sort |
  awk '$1 != pkg { if (line) print line; pkg = $1; line = $1 } { line = line " " $2 } END { if (line) print line }' |
  xargs -P "$FUZZ_JOBS" -L 1 bash -c 'fuzz_package "$@"' _
