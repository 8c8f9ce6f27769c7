#!/usr/bin/env bash
# Side by side, one host, one run: NautilusTrader 1.231.0's anchor scripts (../shared/bench-anchors
# of the workplace, or ANCHORS=dir) against `tradecore bench` in the pure-Python build and in the
# mypyc-compiled build (`make fast`), alternating per workload, 3 rounds, one JSON line each
# (`tradecore bench all`'s workloads, W2-direct included).
#
#   NT_PYTHON=/path/to/nt-venv/bin/python FAST_SRC=/path/to/compiled/src \
#       bash benchmarks/sbs_both.sh > sbs.jsonl
#
# FAST_SRC is a copy of src/ where `make fast` (or `mypyc`) left the extension modules; the pure
# build is this checkout's src/. Both run with this checkout's .venv (PYTHONPATH picks the tree).
# The host's calib.py line opens and closes the run (pure-Python speed, to tell hosts apart).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
A="${ANCHORS:-$root/../shared/bench-anchors}"
NT="${NT_PYTHON:?python of a venv with nautilus_trader==1.231.0}"
FAST="${FAST_SRC:?src/ tree holding the compiled build}"
PY="$root/.venv/bin/python"
ROUNDS="${ROUNDS:-3}"
tag() { sed "s/^{/{\"who\":\"$1\",\"round\":$2,\"w\":\"$3\",/"; }
calib() { (cd "$A" && "$PY" calib.py) | grep '^{' | tail -1 | tag calib "$1" calib; }
tc() {  # build round workload
    local src="$root/src"; [ "$1" = TC-compiled ] && src="$FAST"
    (cd "$root" && PYTHONPATH="$src" timeout 600 "$PY" -m tradecore bench "$3" 2>/dev/null) \
        | grep '^{' | tag "$1" "$2" "$3"
}
calib 0
for round in $(seq 1 "$ROUNDS"); do
    for w in W1 W3 W4 W2 recovery; do
        case $w in
            W1) nt="w1_ticks.py --mode upnl";;
            W3) nt="w3_latency.py --sync";;
            W4) nt="w4_limit_cancel.py --mode cancel --sync";;
            W2) nt="w2_orders.py --pattern reduce --sync";;
            *) nt="";;  # recovery: no NautilusTrader counterpart
        esac
        if [ -n "$nt" ]; then
            (cd "$A" && NT_BENCH_LOG=bypass timeout 600 "$NT" $nt 2>/dev/null) | grep '^{' \
                | tail -1 | tag NT "$round" "$w"
        fi
        if [ "$w" = W2 ]; then
            tc TC-pure "$round" W2; tc TC-compiled "$round" W2
            tc TC-pure "$round" W2-direct; tc TC-compiled "$round" W2-direct
        else
            tc TC-pure "$round" "$w"; tc TC-compiled "$round" "$w"
        fi
    done
done
calib "$ROUNDS"
