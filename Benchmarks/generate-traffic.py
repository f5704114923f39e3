#!/usr/bin/env python3
"""Writes a reproducible integration-traffic access log for benchmarks.

    python3 Benchmarks/generate-traffic.py LINES FORMAT > out.log    # FORMAT: combined or json

Realistic shape: 300 principals, each calling from its own few addresses (one to four hosts
in its own /24); about 7% failed logins, mostly from 3,000 internet addresses guessing common
names; REST and SOAP paths; about 40 requests per second. Seeded: same arguments, same bytes.
"""
import json
import random
import sys
import time

lines = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
fmt = sys.argv[2] if len(sys.argv) > 2 else "combined"
r = random.Random(42)
principals = []
for i in range(300):
    net = f"10.{i // 200}.{i % 200}"
    hosts = [f"{net}.{r.randint(2, 250)}" for _ in range(r.randint(1, 4))]
    principals.append((f"svc_{i:03d}", hosts, r.choice(["/api/now/table/incident", "/api/now/table/sys_user",
                       "/incident.do?SOAP", "/api/now/import/u_staging", "/api/now/attachment/file"])))
weights = [1.0 / (i + 1) ** 0.8 for i in range(300)]  # a few integrations make most calls
attackers = [f"{r.randint(11, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}" for _ in range(3000)]
names = ["admin", "root", "api", "integration", "test", "svc_001", "svc_002", "guest"]
out = sys.stdout
t = 1764000000.0
cached_sec, cached_clf, cached_iso = -1, "", ""
for n in range(lines):
    t += r.expovariate(40.0)
    sec = int(t)
    if sec != cached_sec:
        g = time.gmtime(sec)
        cached_sec = sec
        cached_clf = time.strftime("%d/%b/%Y:%H:%M:%S +0000", g)
        cached_iso = time.strftime("%Y-%m-%dT%H:%M:%S", g)
    if r.random() < 0.07:
        ip, user, path, status, size = r.choice(attackers), r.choice(names), "/oauth_token.do", 401, 53
    else:
        user, hosts, path = r.choices(principals, weights)[0]
        ip, status, size = r.choice(hosts), (500 if r.random() < 0.01 else 200), r.randint(200, 60000)
    rt = r.random() * 0.5
    if fmt == "json":
        out.write(json.dumps({"@timestamp": f"{cached_iso}.{int((t - sec) * 1000):03d}Z", "source": {"ip": ip},
                              "user": {"name": user}, "http": {"request": {"method": "POST" if status == 401 else "GET"},
                              "response": {"status_code": status, "bytes": size}}, "url": {"original": path},
                              "event": {"duration": int(rt * 1e9)}}, separators=(",", ":")) + "\n")
    else:
        out.write(f'{ip} - {user} [{cached_clf}] "{"POST" if status == 401 else "GET"} {path} HTTP/1.1" {status} {size} "-" "Integration/1.0" rt={rt:.3f}\n')
