#!/usr/bin/env bash
# Builds logwatch's libFuzzer targets (AddressSanitizer on) and runs each for SECONDS.
#
#   Fuzz/run.sh [SECONDS] [TARGET ...]     # default 600 s each; targets: detect combined json csv w3c xml document zstd gzip config snapshot
#   Fuzz/run.sh --build-only               # what CI does
#
# Corpora grow in fuzz-out/corpus-TARGET (seeded from samples/); crashes, leaks and timeouts
# are written to fuzz-out/TARGET-* and the script exits 1 if any target found one.
set -uo pipefail
cd "$(dirname "$0")/.."
FLAGS=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld)
swift build --package-path Fuzz "${FLAGS[@]}" || exit 2
[ "${1:-}" = "--build-only" ] && exit 0
SECONDS_EACH=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(detect combined json csv w3c xml document zstd gzip config snapshot)
BIN=$(swift build --package-path Fuzz "${FLAGS[@]}" --show-bin-path)/LogwatchFuzz
OUT=fuzz-out
mkdir -p "$OUT"

seed() { # target dir
    local dir=$2
    [ -n "$(ls -A "$dir" 2>/dev/null)" ] && return
    mkdir -p "$dir"
    case $1 in
        combined) zstd -dc samples/gateway-access.log.zst | head -300 | split -l 20 - "$dir/seed-" ;;
        json) zstd -dc samples/kong-gateway.jsonl.zst | head -100 | split -l 5 - "$dir/seed-" ;;
        csv) gzip -dc samples/servicenow-sysevent.csv.gz | head -60 > "$dir/seed-1" ;;
        w3c) gzip -dc samples/iis-orders-service.log.gz | head -60 > "$dir/seed-1" ;;
        xml) printf '%s' '<?xml version="1.0" encoding="UTF-8"?><xml><sysevent action="INSERT_OR_UPDATE"><name>login.failed</name><parm1>a&amp;b</parm1><parm2>192.0.2.1</parm2><sys_created_on>2025-11-24 09:00:01</sys_created_on><sys_created_by>guest</sys_created_by></sysevent></xml>' > "$dir/seed-1" ;;
        # The target prepends '{"result":[', so seeds are the records that follow it.
        document) printf '%s' '{"sys_id":"1","sys_created_on":"2025-11-24 09:00:01","name":"login.failed","parm1":"a","parm2":"192.0.2.1","sys_created_by":"guest"},{"sys_created_on":"2025-11-24 09:00:02","sys_created_by":"b","url":"/api/x"}]}' > "$dir/seed-1" ;;
        detect) for f in samples/*.zst; do zstd -dc "$f" | head -20 > "$dir/seed-$(basename "$f")"; done
                for f in samples/*.gz; do gzip -dc "$f" | head -20 > "$dir/seed-$(basename "$f")"; done ;;
        # The fuzzer prepends the magic bytes, so seeds are real streams without them.
        zstd) zstd -dc samples/gateway-access.log.zst | head -100 | zstd -q -c | tail -c +5 > "$dir/seed-1" ;;
        gzip) gzip -dc samples/iis-orders-service.log.gz | head -100 | gzip -c | tail -c +3 > "$dir/seed-1" ;;
        config) cp samples/logwatch.yml "$dir/seed-1" ;;
        # Logs whose engine state the target saves, damages and restores.
        snapshot) zstd -dc samples/gateway-access.log.zst | head -400 | split -l 40 - "$dir/seed-" ;;
    esac
}

found=0
for t in "${TARGETS[@]}"; do
    seed "$t" "$OUT/corpus-$t"
    echo "== $t for $SECONDS_EACH s"
    LOGWATCH_FUZZ_TARGET=$t "$BIN" "$OUT/corpus-$t" -max_total_time="$SECONDS_EACH" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$OUT/$t-" -print_final_stats=1 < /dev/null > "$OUT/$t.log" 2>&1
    status=$?
    grep -E '^Done|stat::number_of_executed_units|stat::peak_rss_mb' "$OUT/$t.log" | tr '\n' ' '; echo
    if [ $status -ne 0 ]; then
        found=1
        echo "!! $t stopped with status $status:"; grep -E 'ERROR|SUMMARY|Fatal error|panic|artifact' "$OUT/$t.log" | head -5
    fi
done
exit $found
