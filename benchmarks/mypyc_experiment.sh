#!/usr/bin/env bash
# What compiling the order path with mypyc would buy (docs/performance.md, "Compiled").
# Nothing here changes the package: a copy of src/ is compiled in a temporary folder and the
# benchmarks are run against it with PYTHONPATH, next to the pure-Python figures.
# Usage: benchmarks/mypyc_experiment.sh   (from the repository root, after `make install`)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$root/.venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$root" archive HEAD src pyproject.toml | tar -x -C "$work"
cd "$work/src"
# mypyc compiles dataclasses natively but not msgspec.Struct subclasses that use field():
# the venue's private ticket becomes a dataclass in the compiled copy
sed -i 's/^class _Ticket(msgspec.Struct):/@dataclass\nclass _Ticket:/; s/msgspec.field(default_factory=list)/field(default_factory=list)/; s/^from dataclasses import dataclass$/from dataclasses import dataclass, field/' tradecore/venues/sim/client.py
modules=(
  engine/clock engine/bus engine/core oms/store model/orders venues/sim/book venues/sim/client
  routing/router routing/sweep routing/health routing/scoring risk/checks risk/pipeline
  risk/context risk/monitor positions/keeper positions/position positions/ledger
  journal/journal portfolio/fx
)
files=()
for m in "${modules[@]}"; do files+=("tradecore/$m.py"); done
"$root/.venv/bin/mypyc" --config-file ../pyproject.toml "${files[@]}" > "$work/mypyc.log" 2>&1
echo "# compiled: ${#files[@]} modules" >&2
cd "$work"  # not inside either source tree: only PYTHONPATH decides which one is imported
for label in pure compiled; do
  if [ "$label" = pure ]; then pp="$root/src"; else pp="$work/src"; fi
  PYTHONPATH="$pp" "$py" - "$label" <<'PY'
import json, sys
import tradecore.engine.core as core
from tradecore.bench import workloads as w
label = sys.argv[1]
assert core.__file__.endswith(".so") == (label == "compiled"), core.__file__
for kw in (
    dict(smart=False, risk=False, journal="none"),
    dict(smart=False, risk=True, journal="group"),
    dict(smart=True, risk=True, journal="group"),
):
    d = json.loads(w.w3(20_000, **kw))
    print(json.dumps({"build": label, "workload": d["workload"], "p50_us": d["p50_us"],
                      "p99_us": d["p99_us"], "p99_9_us": d["p99_9_us"]}))
for name, line, key in (("W1", w.w1(1_000_000), "quotes_per_s"), ("W4", w.w4(100_000), "pairs_per_s"),
                        ("W2", w.w2(1_000_000), "orders_per_s")):
    print(json.dumps({"build": label, "workload": name, key: json.loads(line)[key]}))
PY
done
