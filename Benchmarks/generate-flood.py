#!/usr/bin/env python3
"""A spoofed credential-stuffing flood, for the bounded-state measurement in the README.

    python3 Benchmarks/generate-flood.py | zstd -1 -q -o flood10m.log.zst
    /usr/bin/time -f "%e s %M KB" logwatch scan --output text flood10m.log.zst
"""
import sys
import time

# 26 h of quiet traffic, then 10,000,000 failed logins in one hour from 10M distinct addresses
# for 10M distinct user names (a spoofed credential-stuffing flood).
t0 = 1763942400  # 2025-11-24T00:00:00Z
out = sys.stdout
def ts(t):
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t))
buf = []
for s in range(0, 26 * 3600, 10):
    st = 401 if s % 1200 == 0 else 200
    buf.append(f'10.0.0.{s % 7 + 1} - svc_sync [{ts(t0 + s)}] "GET /api/now/table/incident HTTP/1.1" {st} 512 "-" "sync/1.0"\n')
out.write("".join(buf))
start = t0 + 26 * 3600
n = 10_000_000
cache = {}
for i in range(n):
    sec = start + i * 3600 // n
    if sec not in cache:
        cache.clear(); cache[sec] = ts(sec)
    ip = 0x01000000 + i * 7
    a = f"{ip >> 24 & 255}.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}"
    out.write(f'{a} - user{i} [{cache[sec]}] "POST /oauth_token.do HTTP/1.1" 401 64 "-" "x"\n')
