#!/usr/bin/env bash
# W3 before/after, back to back on one host: `tradecore bench W3` of two source trees with this
# checkout's .venv, alternating, ROUNDS rounds (default 3); one JSON line per variant and run,
# tagged with the tree. Compare medians.
#   benchmarks/w3_before_after.sh /path/to/before/src [/path/to/after/src] > w3.jsonl
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
before="${1:?src/ of the before tree}"; after="${2:-$root/src}"
for round in $(seq 1 "${ROUNDS:-3}"); do
    for tree in before after; do
        src="$before"; [ "$tree" = after ] && src="$after"
        (cd "$root" && PYTHONPATH="$src" "$root/.venv/bin/python" -m tradecore bench W3 2>/dev/null) \
            | grep '^{' | sed "s/^{/{\"tree\":\"$tree\",\"round\":$round,/"
    done
done
