#!/usr/bin/env bash
# The pure-Python and the mypyc-compiled build side by side (docs/performance.md, "Compiled"):
# `make fast` once (compiles, or reuses the last build), then ROUNDS rounds alternating
# `make pure` / `make fast` (the second restores the compiled files without compiling), each
# running `tradecore bench W3`, `W1`, `W4` and `W2` (every variant) and printing their JSON
# lines prefixed with the build and the round. Leaves the pure build loaded.
# Usage: benchmarks/compare_builds.sh [ROUNDS] [SCALE]   (from the repository root, after
#        `make install`; defaults 3 and 1; about 4 min per build and round at scale 1)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
scale="${2:-1}"
trap 'make --no-print-directory pure >/dev/null' EXIT
make --no-print-directory fast >&2
for round in $(seq 1 "$rounds"); do
    for build in pure fast; do
        make --no-print-directory "$build" >&2
        label="$(.venv/bin/tradecore info | grep '^build ')"
        echo "# round $round: $label; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        for w in W3 W1 W4 W2; do
            .venv/bin/tradecore bench "$w" --scale "$scale" 2>/dev/null |
                sed "s/^{/{\"build\": \"${build/fast/compiled}\", \"round\": $round, /"
        done
    done
done
