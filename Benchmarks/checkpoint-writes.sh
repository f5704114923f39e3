#!/usr/bin/env bash
# Bytes `logwatch tail` writes per second of checkpoints, with many tracked principals and a
# trickle of one line a second: what a checkpoint costs when almost nothing changed.
#
#   Benchmarks/checkpoint-writes.sh [PRINCIPALS] [SECONDS]
#
# LOGWATCH_BIN picks the binary (default .build/release/logwatch). The count is the bytes the
# process handed to write(2) (`wchar` in /proc/PID/io: SQLite's WAL and database writes,
# and the few lines on stderr), from the moment the backlog was read to the end of the
# trickle, divided by its seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
principals=${1:-20000}
seconds=${2:-20}
bin=${LOGWATCH_BIN:-.build/release/logwatch}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/logwatch-ckpt.XXXXXX")
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

line() { # principal, epoch seconds
    printf '10.%d.%d.%d - %s [%s] "POST /api/now/table/incident HTTP/1.1" 201 512 "-" "bench"\n' \
        $(( $1 / 65536 % 256 )) $(( $1 / 256 % 256 )) $(( $1 % 256 + 1 )) "svc_$1" "$(date -u -d "@$2" '+%d/%b/%Y:%H:%M:%S +0000')"
}
python3 - "$principals" > "$work/app.log" <<'PY'
import sys, time
n = int(sys.argv[1]); start = int(time.time()) - n // 10 - 60
for i in range(n):
    t = time.strftime('%d/%b/%Y:%H:%M:%S +0000', time.gmtime(start + i // 10))
    print(f'10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256 + 1} - svc_{i} [{t}] "POST /api/now/table/incident HTTP/1.1" 201 512 "-" "bench"')
PY
size=$(stat -c %s "$work/app.log")
"$bin" tail --from-beginning --state-dir "$work/state" "$work/app.log" >"$work/out" 2>"$work/err" &
pid=$!
# The backlog is read once the process has read the whole file and a checkpoint followed.
while [ "$(awk '/^rchar/ {print $2}' /proc/$pid/io)" -lt "$size" ]; do sleep 0.2; done
sleep 3
before=$(awk '/^wchar/ {print $2}' /proc/$pid/io)
for i in $(seq 1 "$seconds"); do
    line $(( RANDOM * 32768 % principals + RANDOM % principals )) "$(date +%s)" | sed 's/^/ /;s/^ //' >> "$work/app.log"
    sleep 1
done
after=$(awk '/^wchar/ {print $2}' /proc/$pid/io)
kill -TERM $pid; wait $pid || true
db=$(stat -c %s "$work/state/state.sqlite")
echo "principals=$principals seconds=$seconds written=$((after - before)) bytes rate=$(( (after - before) / seconds )) B/s state.sqlite=$db bytes"
grep -E "events judged" "$work/err" || true
