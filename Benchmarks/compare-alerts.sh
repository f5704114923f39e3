#!/usr/bin/env bash
# Checks that two logwatch binaries give the same alerts, summaries and exit codes on the
# samples and on the benchmark workloads, byte for byte. Run it before and after a change that
# must not change behaviour (a restructuring, a speed-up):
#
#   Benchmarks/compare-alerts.sh OLD_BINARY NEW_BINARY [LINES]
#
# LINES (default 300,000) sizes the generated workloads: the benchmark traffic as a combined
# log and as ECS JSON lines, the same combined lines dealt into three overlapping node logs,
# and the start of the credential-stuffing flood. They are generated once, seeded, into
# $LOGWATCH_BENCH_DIR or /tmp/logwatch-bench. Exit status 0 when everything matched, 1 with
# the first differences otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY [LINES]" >&2; exit 2; }
OLD=$(realpath "$1"); NEW=$(realpath "$2"); LINES=${3:-300000}
DATA=${LOGWATCH_BENCH_DIR:-/tmp/logwatch-bench}
OUT=$(mktemp -d /tmp/logwatch-compare.XXXXXX)
mkdir -p "$DATA"

generate() { # lines format file
    [ -s "$3" ] && return
    echo "generating $3 ..." >&2
    python3 Benchmarks/generate-traffic.py "$1" "$2" | zstd -3 -q -f -o "$3"
}
generate "$LINES" combined "$DATA/combined-$LINES.log.zst"
generate "$LINES" json "$DATA/json-$LINES.log.zst"
NODES=("$DATA/node-$LINES-0.log.zst" "$DATA/node-$LINES-1.log.zst" "$DATA/node-$LINES-2.log.zst")
if [ ! -s "${NODES[2]}" ]; then
    zstd -dc "$DATA/combined-$LINES.log.zst" | awk -v d="$DATA" -v n="$LINES" '{ print > (d "/node-" n "-" NR % 3 ".log") }'
    for i in 0 1 2; do zstd -3 -q -f --rm "$DATA/node-$LINES-$i.log"; done
fi
FLOOD="$DATA/flood-$LINES.log.zst"
[ -s "$FLOOD" ] || python3 Benchmarks/generate-flood.py 2>/dev/null | head -n "$LINES" | zstd -3 -q -f -o "$FLOOD"

# name, then the arguments after the binary. Each runs in a scratch state directory of its
# own where it names one, so the two binaries start from the same (empty) state.
CASES=(
    "samples-json|scan --config samples/logwatch.yml samples/gateway-access.log.zst samples/iis-orders-service.log.gz samples/kong-gateway.jsonl.zst samples/servicenow-syslog_transaction.csv.gz samples/servicenow-sysevent.csv.gz samples/servicenow-sys_outbound_http_log.csv.gz"
    "samples-text|scan --config samples/logwatch.yml --output text samples/gateway-access.log.zst samples/iis-orders-service.log.gz samples/kong-gateway.jsonl.zst samples/servicenow-syslog_transaction.csv.gz samples/servicenow-sysevent.csv.gz samples/servicenow-sys_outbound_http_log.csv.gz"
    "samples-state|scan --config samples/logwatch.yml --state-dir @STATE@ samples/gateway-access.log.zst samples/iis-orders-service.log.gz samples/kong-gateway.jsonl.zst samples/servicenow-syslog_transaction.csv.gz samples/servicenow-sysevent.csv.gz samples/servicenow-sys_outbound_http_log.csv.gz"
    "samples-events|events samples/kong-gateway.jsonl.zst samples/servicenow-syslog_transaction.csv.gz samples/servicenow-sysevent.csv.gz samples/servicenow-sys_outbound_http_log.csv.gz"
    "samples-fail-on-alert|scan --config samples/logwatch.yml --fail-on-alert samples/gateway-access.log.zst"
    "combined|scan $DATA/combined-$LINES.log.zst"
    "combined-jobs1|scan --jobs 1 $DATA/combined-$LINES.log.zst"
    "json|scan $DATA/json-$LINES.log.zst"
    "nodes|scan ${NODES[*]}"
    "flood|scan --output text $FLOOD"
    "events-count|events --count $DATA/combined-$LINES.log.zst"
    "missing-input|scan samples/gateway-access.log.zst /no/such/file.log"
    "bad-config|scan --config /no/such/config.yml samples/gateway-access.log.zst"
    "usage|scan --jobs 0 samples/gateway-access.log.zst"
)

failed=0
printf '| case | exit old | exit new | stdout | stderr |\n|---|---|---|---|---|\n'
for c in "${CASES[@]}"; do
    name=${c%%|*}; args=${c#*|}
    for side in old new; do
        bin=$OLD; [ "$side" = new ] && bin=$NEW
        state="$OUT/state-$name-$side"
        # shellcheck disable=SC2086
        "$bin" ${args//@STATE@/$state} > "$OUT/$name.$side.out" 2> "$OUT/$name.$side.err"
        echo $? > "$OUT/$name.$side.rc"
        # Only the state directory's name differs between the two runs.
        sed -i "s|$state|STATE|g" "$OUT/$name.$side.err"
    done
    same_out=same; cmp -s "$OUT/$name.old.out" "$OUT/$name.new.out" || { same_out=DIFFERENT; failed=1; }
    same_err=same; cmp -s "$OUT/$name.old.err" "$OUT/$name.new.err" || { same_err=DIFFERENT; failed=1; }
    rc_old=$(cat "$OUT/$name.old.rc"); rc_new=$(cat "$OUT/$name.new.rc")
    [ "$rc_old" = "$rc_new" ] || failed=1
    printf '| %s | %s | %s | %s (%s lines) | %s |\n' "$name" "$rc_old" "$rc_new" "$same_out" "$(wc -l < "$OUT/$name.new.out")" "$same_err"
done
if [ "$failed" -ne 0 ]; then
    echo
    for f in "$OUT"/*.old.out "$OUT"/*.old.err; do
        n=${f%.old.*}; ext=${f##*.}
        cmp -s "$f" "$n.new.$ext" || { echo "--- $(basename "$n").$ext"; diff "$f" "$n.new.$ext" | head -20; }
    done
    echo "outputs kept in $OUT" >&2
    exit 1
fi
rm -rf "$OUT"
echo "all identical"
