#!/usr/bin/env bash
# Measures logwatch against the physical limit (zstd -dc | wc -l) side by side, in one run.
#
#   Benchmarks/compare.sh [RUNS]        # default 5 runs of each, alternated
#   LOGWATCH_BASELINE_BIN=/tmp/logwatch-old Benchmarks/compare.sh 5
#                                       # the same scans with another build too, alternated,
#                                       # for a change's before and after in one run
#
# Generates (once, seeded, into $LOGWATCH_BENCH_DIR or /tmp/logwatch-bench) 2,000,000 lines
# of realistic integration traffic as a combined log and as ECS JSON lines, zstd level 3, and
# an 8,000,000-line combined log for the memory check, and the 2M combined lines dealt round
# robin into three "node" logs that overlap in time (read in parallel). Prints medians, the
# ratio of each to zstd -dc | wc -l on the same file, and peak resident memory. Runs GoAccess
# and fail2ban-regex on a 200,000-line slice when they are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
DATA=${LOGWATCH_BENCH_DIR:-/tmp/logwatch-bench}
mkdir -p "$DATA"
for tool in zstd python3 /usr/bin/time; do command -v "$tool" >/dev/null || { echo "compare.sh needs $tool" >&2; exit 2; }; done

# As the README builds it: the Swift runtime linked in (it starts sooner). LOGWATCH_BIN
# measures a binary built elsewhere instead.
if [ -n "${LOGWATCH_BIN:-}" ]; then
    BIN=$(realpath "$LOGWATCH_BIN")
else
    swift build -c release --static-swift-stdlib >/dev/null
    BIN=$PWD/.build/release/logwatch
fi
BASE=${LOGWATCH_BASELINE_BIN:+$(realpath "$LOGWATCH_BASELINE_BIN")}

generate() { # lines format file
    [ -s "$3" ] && return
    echo "generating $3 ..." >&2
    python3 Benchmarks/generate-traffic.py "$1" "$2" | zstd -3 -q -f -o "$3"
}
generate 2000000 combined "$DATA/combined-2M.log.zst"
generate 2000000 json "$DATA/json-2M.log.zst"
generate 8000000 combined "$DATA/combined-8M.log.zst"
NODES=("$DATA/node-0.log.zst" "$DATA/node-1.log.zst" "$DATA/node-2.log.zst")
if [ ! -s "${NODES[2]}" ]; then
    echo "dealing the combined lines into three node logs ..." >&2
    zstd -dc "$DATA/combined-2M.log.zst" | awk -v d="$DATA" '{ print > (d "/node-" NR % 3 ".log") }'
    for n in 0 1 2; do zstd -3 -q -f --rm "$DATA/node-$n.log"; done
fi

RESULTS="$DATA/results.txt"
: > "$RESULTS"
measure() { # name command...
    # Wall time from the nanosecond clock (time's %e has 10 ms steps: 6% of a 0.17 s run),
    # peak RSS from time's %M.
    local name=$1 t0 t1; shift
    t0=$(date +%s%N)
    /usr/bin/time -o "$DATA/time.txt" -f "%e %M" "$@" >/dev/null 2>"$DATA/stderr.txt" || { echo "$name failed:" >&2; cat "$DATA/stderr.txt" >&2; exit 1; }
    t1=$(date +%s%N)
    echo "$name $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}') $(awk '{print $2}' "$DATA/time.txt")" >> "$RESULTS"
}

for i in $(seq "$RUNS"); do
    echo "run $i of $RUNS ..." >&2
    measure zstd-wc-combined sh -c "zstd -dc '$DATA/combined-2M.log.zst' | wc -l"
    measure scan-combined sh -c "'$BIN' scan '$DATA/combined-2M.log.zst' > '$DATA/alerts.json'"
    measure scan-combined-jobs1 sh -c "'$BIN' scan --jobs 1 '$DATA/combined-2M.log.zst' > '$DATA/alerts.json'"
    measure zstd-wc-json sh -c "zstd -dc '$DATA/json-2M.log.zst' | wc -l"
    measure scan-json sh -c "'$BIN' scan '$DATA/json-2M.log.zst' > '$DATA/alerts.json'"
    measure scan-nodes sh -c "'$BIN' scan ${NODES[*]} > '$DATA/alerts.json'"
    measure scan-nodes-jobs1 sh -c "'$BIN' scan --jobs 1 ${NODES[*]} > '$DATA/alerts.json'"
    if [ -n "$BASE" ]; then
        measure base-scan-combined sh -c "'$BASE' scan '$DATA/combined-2M.log.zst' > '$DATA/alerts.json'"
        measure base-scan-json sh -c "'$BASE' scan '$DATA/json-2M.log.zst' > '$DATA/alerts.json'"
        measure base-scan-nodes sh -c "'$BASE' scan ${NODES[*]} > '$DATA/alerts.json'"
    fi
done
for i in 1 2; do
    measure scan-combined-8M sh -c "'$BIN' scan '$DATA/combined-8M.log.zst' > '$DATA/alerts.json'"
done

median() { grep "^$1 " "$RESULTS" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
peak() { grep "^$1 " "$RESULTS" | awk '{print $3}' | sort -n | tail -1 | awk '{printf "%.0f", $1 / 1024}'; }

zc=$(median zstd-wc-combined); zj=$(median zstd-wc-json)
printf '\n%s, %s runs each, alternated; %s cores\n\n' "$(date -u +%Y-%m-%d)" "$RUNS" "$(nproc)"
printf '| what (2,000,000 lines, zstd -3) | median s | ratio to zstd -dc \\| wc -l | peak RSS MB |\n|---|---|---|---|\n'
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
row "zstd -dc \\| wc -l, combined" "$zc" "1.00" "-"
row "logwatch scan, combined (default --jobs)" "$(median scan-combined)" "$(echo "$(median scan-combined) $zc" | awk '{printf "%.2f", $1/$2}')" "$(peak scan-combined)"
row "logwatch scan --jobs 1, combined" "$(median scan-combined-jobs1)" "$(echo "$(median scan-combined-jobs1) $zc" | awk '{printf "%.2f", $1/$2}')" "$(peak scan-combined-jobs1)"
row "zstd -dc \\| wc -l, ECS JSON" "$zj" "1.00" "-"
row "logwatch scan, ECS JSON" "$(median scan-json)" "$(echo "$(median scan-json) $zj" | awk '{printf "%.2f", $1/$2}')" "$(peak scan-json)"
row "logwatch scan, combined, 8,000,000 lines (2 runs)" "$(median scan-combined-8M)" "-" "$(peak scan-combined-8M)"
row "logwatch scan, the 2M combined lines as 3 overlapping node logs" "$(median scan-nodes)" "$(echo "$(median scan-nodes) $zc" | awk '{printf "%.2f", $1/$2}')" "$(peak scan-nodes)"
row "logwatch scan --jobs 1, the same 3 node logs" "$(median scan-nodes-jobs1)" "$(echo "$(median scan-nodes-jobs1) $zc" | awk '{printf "%.2f", $1/$2}')" "$(peak scan-nodes-jobs1)"
printf '\n--jobs 1 / default: %s times as long\n' "$(echo "$(median scan-combined-jobs1) $(median scan-combined)" | awk '{printf "%.2f", $1/$2}')"
printf -- '--jobs 1 / default, 3 overlapping node logs: %s times as long\n' "$(echo "$(median scan-nodes-jobs1) $(median scan-nodes)" | awk '{printf "%.2f", $1/$2}')"
printf 'peak RSS, 8M lines / 2M lines: %s\n' "$(echo "$(peak scan-combined-8M) $(peak scan-combined)" | awk '{printf "%.2f", $1/$2}')"

# Peers, on a 200,000-line plain slice, when installed.
SLICE="$DATA/slice-200k.log"
# zstd stops early when head has enough (SIGPIPE): not an error here.
[ -s "$SLICE" ] || { zstd -dc "$DATA/combined-2M.log.zst" 2>/dev/null || true; } | head -200000 > "$SLICE"
printf '\nOn a 200,000-line plain slice (lines per second; logwatch the median of 3 runs, the peers one run):\n'
lps() { awk -v n=200000 -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
for i in 1 2 3; do
    /usr/bin/time -o "$DATA/time.txt" -f "%e" "$BIN" scan --jobs 1 "$SLICE" >/dev/null 2>&1
    echo "slice $(cat "$DATA/time.txt") 0" >> "$RESULTS"
done
printf -- '- logwatch scan --jobs 1: %s lines/s\n' "$(lps "$(median slice)")"
if command -v goaccess >/dev/null; then
    /usr/bin/time -o "$DATA/time.txt" -f "%e" goaccess "$SLICE" --log-format=COMBINED -o "$DATA/goaccess.csv" >/dev/null 2>&1 || true
    printf -- '- GoAccess %s (--log-format=COMBINED, CSV report): %s lines/s\n' "$(goaccess --version | head -1 | awk '{print $3}' | sed 's/\.$//')" "$(lps "$(cat "$DATA/time.txt")")"
else
    printf -- '- GoAccess: not installed\n'
fi
if command -v fail2ban-regex >/dev/null; then
    /usr/bin/time -o "$DATA/time.txt" -f "%e" fail2ban-regex "$SLICE" '^<HOST> - \S+ \[[^]]*\] "[^"]*" 401 ' > "$DATA/fail2ban.txt" 2>&1 || true
    printf -- '- fail2ban-regex %s (one failregex for 401s; %s): %s lines/s\n' "$(fail2ban-regex --version | awk '{print $2}')" \
        "$(grep -m1 '^Lines:' "$DATA/fail2ban.txt" | sed 's/^Lines: //')" "$(lps "$(cat "$DATA/time.txt")")"
else
    printf -- '- fail2ban-regex: not installed\n'
fi
if [ -n "$BASE" ]; then
    printf '\nThe baseline build (%s), alternated with the runs above:\n\n' "$BASE"
    printf '| what | this build: ratio | baseline: median s | baseline: ratio | peak RSS MB |\n|---|---|---|---|---|\n'
    for w in combined:"$zc" json:"$zj" nodes:"$zc"; do
        name=${w%%:*}; z=${w#*:}
        printf '| scan, %s | %s | %s | %s | %s |\n' "$name" "$(echo "$(median scan-$name) $z" | awk '{printf "%.2f", $1/$2}')" \
            "$(median base-scan-$name)" "$(echo "$(median base-scan-$name) $z" | awk '{printf "%.2f", $1/$2}')" "$(peak base-scan-$name)"
    done
fi
