#!/usr/bin/env bash
# W3 before/after on a noisy host: each `tradecore bench W3` variant (tradecore.bench.workloads.w3,
# the same parameters) run in its own process, before and after alternating ABBA per round
# (ROUNDS, default 5), so host drift between a pair is as small as it gets; one JSON line per
# run tagged with the tree and round. Compare medians. ONLY=smart=False (a substring of the
# variant text, e.g. smart=False) runs only the matching variants.
#   benchmarks/w3_abba.sh /path/to/before/src [/path/to/after/src] > w3.jsonl
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
before="${1:?src/ of the before tree}"; after="${2:-$root/src}"
variants=(
    "smart=False, risk=False, journal='none'"
    "smart=False, risk=True, journal='none'"
    "smart=False, risk=True, journal='group'"
    "smart=True, risk=True, journal='group'"
    "smart=True, risk=True, journal='group', split=True"
)
run() {  # tree src variant round
    (cd "$root" && PYTHONPATH="$2" "$root/.venv/bin/python" -c \
        "from tradecore.bench.workloads import w3; print(w3(20_000, $3))" 2>/dev/null) \
        | grep '^{' | sed "s/^{/{\"tree\":\"$1\",\"round\":$4,/"
}
for round in $(seq 1 "${ROUNDS:-5}"); do
    for v in "${variants[@]}"; do
        [[ "$v" == *"${ONLY:-}"* ]] || continue
        if (( round % 2 )); then order="before after after before"; else order="after before before after"; fi
        for tree in $order; do
            src="$before"; [ "$tree" = after ] && src="$after"
            run "$tree" "$src" "$v" "$round"
        done
    done
done
