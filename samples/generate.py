#!/usr/bin/env python3
"""Writes logwatch's sample logs: three days of integration traffic in four formats, with
planted anomalies. Deterministic: the same script writes the same bytes.

    python3 samples/generate.py          # writes samples/*.zst and samples/*.gz

Planted (all times UTC), and the alert each should raise:
  1. 2025-11-25 14:10  192.0.2.66 tries 300 passwords in 4 min against three
     principals                          -> failed_auth_spike / source_ip      (gateway)
  2. 2025-11-26 02:00  203.0.113.77 tries one password every 30 s for 90 min
     (never more than ten in 5 min)      -> failed_auth_spike / source_ip      (gateway)
  3. 2025-11-26 09:15  svc_hr_sync, always from 10.20.0.0/24, succeeds from
     185.220.101.4                       -> unexpected_source_ip / principal  (gateway)
  4. 2025-11-25 22:00  svc_cmdb_import exports at 20x its usual rate for 25 min
                                         -> volume_surge / principal          (gateway)
  5. 2025-11-25 03:00  credential stuffing: 90 addresses try partner-acme
     twice each                          -> failed_auth_spike / principal      (kong)
  6. 2025-11-24 16:40  svc_payroll, allowlisted to 10.50.0.0/16 in
     samples/logwatch.yml, succeeds from 192.0.2.200
                                         -> unexpected_source_ip / principal  (kong)
  7. 2025-11-26 04:00  password spraying: 400 failures over 200 employees from
     150 addresses, none above 3         -> failed_auth_spike / global         (servicenow event log)
  8. 2025-11-26 13:00  a runaway health check fetches the WSDL anonymously,
     4,000 times in 20 min               -> volume_surge / global             (iis)
Also present and meant to stay quiet: day/night rhythm, an hourly backup job that sends
100 requests within one minute, scanners probing with a few failures per hour, 404 probes,
expired-token 401s, IPv6 and privacy addresses.
"""
import gzip
import os
import random
import subprocess
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = datetime(2025, 11, 24, tzinfo=timezone.utc)
DAYS = 3
rng = random.Random(20251124)


def poisson_times(start, end, per_hour):
    """Event times as a Poisson process of `per_hour` over [start, end)."""
    t = start
    while True:
        t += timedelta(seconds=rng.expovariate(per_hour / 3600.0))
        if t >= end:
            return
        yield t


def rhythmic(per_hour_day, night_factor=0.25):
    """(start, end, rate) pieces: business hours 07-19 UTC at full rate, nights lower."""
    for d in range(DAYS):
        day = T0 + timedelta(days=d)
        yield day, day + timedelta(hours=7), per_hour_day * night_factor
        yield day + timedelta(hours=7), day + timedelta(hours=19), per_hour_day
        yield day + timedelta(hours=19), day + timedelta(days=1), per_hour_day * night_factor


def steady(per_hour, days=DAYS):
    yield T0, T0 + timedelta(days=days), per_hour


SCANNER_NAMES = ["admin", "root", "test", "guest", "user", "oracle", "api", "support", "sa",
                 "postgres", "ubuntu", "backup", "operator", "demo", "dev", "integration"]
SCANNERS = [f"198.51.100.{i}" for i in range(10, 40)] + [f"2001:db8:bad:{i:x}::1" for i in range(1, 6)]

# ---------------------------------------------------------------- gateway (combined) --
def gateway():
    rows = []  # (time, line)

    def add(t, ip, user, method, path, status, size, agent, rt):
        stamp = t.strftime("%d/%b/%Y:%H:%M:%S +0000")
        rows.append((t, f'{ip} - {user or "-"} [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}" rt={rt:.3f}'))

    def traffic(pieces, user, ips, method, path, agent, fail_rate=0.004):
        for start, end, rate in pieces:
            for t in poisson_times(start, end, rate):
                ok = rng.random() > fail_rate
                add(t, rng.choice(ips), user, method, path, 200 if ok else 401,
                    rng.randint(800, 40000) if ok else 53, agent, rng.uniform(0.02, 0.4))

    hr_ips = [f"10.20.0.{i}" for i in range(11, 60)]
    traffic(rhythmic(60), "svc_hr_sync", hr_ips, "GET", "/api/now/table/sys_user?sysparm_limit=100", "Workday-Connector/2.1")
    traffic(steady(30), "svc_monitoring", ["10.30.1.5", "2001:db8:30:1::5"], "GET", "/api/now/stats/incident", "Prometheus-Exporter/0.9")
    traffic(steady(30), "svc_cmdb_import", [f"10.40.2.{i}" for i in range(20, 24)], "POST", "/api/now/import/u_cmdb_staging", "SCCM-Integration/5.0")
    traffic(rhythmic(20), "soap_hr", hr_ips, "POST", "/sys_user.do?SOAP", "Apache-CXF/3.5")
    # IPv6 privacy addresses inside one /64 for a mobile-device integration.
    for start, end, rate in steady(12):
        for t in poisson_times(start, end, rate):
            ip = "2001:db8:77:1:" + ":".join(f"{rng.randint(0, 0xffff):x}" for _ in range(4))
            add(t, ip, "svc_mdm", "GET", "/api/now/table/cmdb_ci_handheld", 200, rng.randint(500, 3000), "Intune-Sync/1.2", 0.05)
    # The hourly backup job: 100 requests within one minute at :05.
    for hour in range(DAYS * 24):
        top = T0 + timedelta(hours=hour, minutes=5)
        for i in range(100):
            add(top + timedelta(milliseconds=i * 550), "10.60.0.9", "svc_backup", "GET",
                f"/api/now/attachment/{rng.getrandbits(64):016x}/file", 200, rng.randint(10000, 90000), "Backup-Agent/7", 0.1)
    # Scanners: a few failures per hour each, guessing names; and 404 probes.
    for ip in SCANNERS:
        for start, end, rate in steady(2):
            for t in poisson_times(start, end, rate):
                add(t, ip, rng.choice(SCANNER_NAMES), "POST", "/api/now/table/incident", 401, 53, "python-requests/2.31", 0.01)
        for start, end, rate in steady(1):
            for t in poisson_times(start, end, rate):
                add(t, ip, None, "GET", rng.choice(["/.env", "/wp-login.php", "/actuator/health", "/.git/config"]), 404, 0, "Mozilla/5.0 zgrab/0.x", 0.001)

    # 1. Burst brute force.
    start = datetime(2025, 11, 25, 14, 10, tzinfo=timezone.utc)
    for i in range(300):
        add(start + timedelta(milliseconds=i * 800), "192.0.2.66", ["admin", "svc_hr_sync", "integration"][i % 3],
            "POST", "/oauth_token.do", 401, 53, "Hydra", 0.01)
    # 2. Slow brute force.
    start = datetime(2025, 11, 26, 2, 0, tzinfo=timezone.utc)
    for i in range(180):
        add(start + timedelta(seconds=30 * i), "203.0.113.77", "svc_monitoring", "GET", "/api/now/stats/incident", 401, 53, "curl/7.88", 0.01)
    # 3. svc_hr_sync from a network never seen for it.
    start = datetime(2025, 11, 26, 9, 15, tzinfo=timezone.utc)
    for i in range(3):
        add(start + timedelta(minutes=2 * i), "185.220.101.4", "svc_hr_sync", "GET", "/api/now/table/sys_user?sysparm_limit=10000", 200, 981233, "python-requests/2.31", 2.5)
    # 4. Bulk export: 20x svc_cmdb_import's usual 30/h for 25 minutes.
    start = datetime(2025, 11, 25, 22, 0, tzinfo=timezone.utc)
    for t in poisson_times(start, start + timedelta(minutes=25), 600):
        add(t, "10.40.2.21", "svc_cmdb_import", "GET", "/api/now/table/cmdb_ci?sysparm_offset=0", 200, 250000, "SCCM-Integration/5.0", 0.9)
    return rows


# ------------------------------------------------------------------ kong (JSON lines) --
def kong():
    import json
    rows = []

    def add(t, ip, consumer, method, uri, status, error=None, latency=40):
        record = {
            "started_at": int(t.timestamp() * 1000),
            "client_ip": ip,
            "request": {"method": method, "uri": uri, "url": f"https://api.example.com{uri}", "size": rng.randint(200, 900)},
            "response": {"status": status, "size": rng.randint(300, 20000) if status == 200 else 120},
            "latencies": {"request": latency, "kong": 2, "proxy": max(1, latency - 2)},
            "consumer": {"username": consumer} if consumer else None,
            "service": {"name": "servicenow-api"},
        }
        if error:
            record["error"] = error
        rows.append((t, json.dumps(record, separators=(",", ":"))))

    for consumer, net, per_hour in [("partner-acme", "198.18.10", 80), ("partner-globex", "198.18.20", 40)]:
        for start, end, rate in rhythmic(per_hour, 0.3):
            for t in poisson_times(start, end, rate):
                if rng.random() < 0.003:
                    add(t, f"{net}.{rng.randint(2, 30)}", consumer, "GET", "/api/now/table/incident", 401, "invalid_token")
                else:
                    add(t, f"{net}.{rng.randint(2, 30)}", consumer, "GET", "/api/now/table/incident", 200, latency=rng.randint(20, 300))
    for start, end, rate in steady(20):
        for t in poisson_times(start, end, rate):
            add(t, f"10.50.1.{rng.randint(2, 40)}", "svc_payroll", "POST", "/api/now/table/x_payroll_run", 200)
    # 5. Credential stuffing against partner-acme.
    start = datetime(2025, 11, 25, 3, 0, tzinfo=timezone.utc)
    for i in range(90):
        for k in range(2):
            add(start + timedelta(seconds=8 * i + k), f"100.64.{i // 50}.{i % 50 + 10}", "partner-acme", "POST", "/oauth/token", 401, "invalid_client")
    # 6. svc_payroll outside its allowlist.
    t = datetime(2025, 11, 24, 16, 40, tzinfo=timezone.utc)
    for i in range(2):
        add(t + timedelta(seconds=40 * i), "192.0.2.200", "svc_payroll", "POST", "/api/now/table/x_payroll_run", 200)
    return rows


# ------------------------------------------------------------- servicenow (exports) --
# Three of the platform's own tables, exported as CSV with column names (list URL + "?CSV"):
# the transaction log (syslog_transaction: no status column; guest is the anonymous user),
# the event log (sysevent: login / login.failed with parm1 = user name, parm2 = address) and
# the outbound HTTP log (sys_outbound_http_log, with its display labels).
EMPLOYEES = [f"{first}.{last}" for first in ["anna", "ben", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo"]
             for last in ["adams", "baker", "costa", "diaz", "evans", "fox", "gray", "hill", "ito", "jones",
                          "king", "lopez", "moss", "nagy", "ortiz", "park", "quinn", "rossi", "silva", "tran"]]
# Each employee's desk address (behind the office NAT pool).
DESK = {e: f"10.100.{i // 200}.{i % 200 + 20}" for i, e in enumerate(EMPLOYEES)}
SYS_IDS = iter(range(1, 10**9))


def sys_id():
    return f"{rng.getrandbits(96):024x}{next(SYS_IDS):08x}"


def stamp(t):
    return t.strftime("%Y-%m-%d %H:%M:%S")


def servicenow_transactions():
    rows = []

    def add(t, ip, user, kind, url, ms, size, agent):
        rows.append((t, f'"{sys_id()}","{stamp(t)}","{user}","{kind}","{url}","{ip}","{agent}","{size}","HTTP/1.1","{ms}","{ms // 5}"'))

    for start, end, rate in rhythmic(50):
        for t in poisson_times(start, end, rate):
            add(t, f"10.70.0.{rng.randint(2, 60)}", "integration.hr", "rest", "/api/now/table/sn_hr_core_case", rng.randint(30, 400), rng.randint(500, 9000), "Workday-Connector/2.4")
    for start, end, rate in steady(15):
        for t in poisson_times(start, end, rate):
            add(t, "10.80.0.5", "soap.legacy", "soap", "/incident.do?SOAP", rng.randint(50, 900), rng.randint(900, 4000), "Apache-Axis/1.4")
    # People working in forms and lists from their desks.
    for start, end, rate in rhythmic(40, 0.05):
        for t in poisson_times(start, end, rate):
            who = rng.choice(EMPLOYEES)
            add(t, DESK[who], who, rng.choice(["form", "list"]), rng.choice(["/incident.do", "/incident_list.do", "/sc_req_item.do"]), rng.randint(80, 900), rng.randint(20000, 90000), "Mozilla/5.0")
    # Anonymous requests (the login page, the service portal's public pages) from anywhere.
    for start, end, rate in steady(12):
        for t in poisson_times(start, end, rate):
            add(t, f"198.18.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "guest", "form", rng.choice(["/login.do", "/sp"]), rng.randint(5, 60), rng.randint(3000, 9000), "Mozilla/5.0")
    return rows


def servicenow_events():
    rows = []

    def add(t, name, parm1, parm2, by, instance=""):
        rows.append((t, f'"{sys_id()}","{stamp(t)}","{name}","{parm1}","{parm2}","{instance}","","processed","{by}"'))

    # People logging in at the start of their day, and now and then mistyping a password.
    for start, end, rate in rhythmic(8, 0.1):
        for t in poisson_times(start, end, rate):
            who = rng.choice(EMPLOYEES)
            add(t, "login", who, DESK[who], who, f"{rng.getrandbits(128):032X}")
    for start, end, rate in rhythmic(6, 0.1):
        for t in poisson_times(start, end, rate):
            who = rng.choice(EMPLOYEES)
            add(t, "login.failed", who, DESK[who], "guest")
    # Events that are not logins, and the Instance Analyzer's hourly polling (KB3008370).
    for start, end, rate in steady(20):
        for t in poisson_times(start, end, rate):
            add(t, rng.choice(["incident.inserted", "incident.updated", "sc_req_item.inserted"]), f"INC{rng.randint(10000, 99999):07d}", "", rng.choice(EMPLOYEES))
    for h in range(DAYS * 24):
        add(T0 + timedelta(hours=h, minutes=7), "login.failed", "CN=instance-analyzer.service-now.com, O=ServiceNow", "10.250.1.17", "guest")
    # 7. Password spraying: 400 failures, 200 employees, 150 addresses; no one above 3.
    start = datetime(2025, 11, 26, 4, 0, tzinfo=timezone.utc)
    sprayers = [f"100.100.{i // 100}.{i % 100 + 20}" for i in range(150)]
    for i in range(400):
        add(start + timedelta(milliseconds=i * 1500), "login.failed", EMPLOYEES[i % 200], sprayers[(i * 7) % 150], "guest")
    return rows


def servicenow_outbound():
    rows = []

    def add(t, method, host, path, status, length, ms, table, user):
        rows.append((t, f'"{stamp(t)}","{method}","{host}","{path}","{status}","{length}","{ms}","{table}","{user}",""'))

    for start, end, rate in rhythmic(20):
        for t in poisson_times(start, end, rate):
            status = 503 if rng.random() < 0.01 else 200
            add(t, "POST", "api.workday.example", "/ccx/service/hr/v40/Put_Worker", status, rng.randint(200, 2000), rng.randint(80, 1500), "sn_hr_core_case", "integration.hr")
    return rows


# ------------------------------------------------------------------------ iis (W3C) --
def iis():
    rows = []

    def add(t, ip, user, method, stem, query, status, taken, size):
        rows.append((t, f"{t.strftime('%Y-%m-%d %H:%M:%S')} 10.90.0.1 {method} {stem} {query or '-'} 443 {user or '-'} {ip} "
                        f"Microsoft-WCF/4.8 {status} 0 0 {size} {taken}"))

    for user, net, per_hour in [("CORP\\svc_erp", "10.90.1", 60), ("CORP\\svc_crm", "10.90.2", 30)]:
        for start, end, rate in rhythmic(per_hour):
            for t in poisson_times(start, end, rate):
                add(t, f"{net}.{rng.randint(2, 20)}", user, "POST", "/Orders/Service.svc", None, 200, rng.randint(15, 300), rng.randint(600, 8000))
    # 8. A runaway health check: 4,000 anonymous WSDL fetches in 20 minutes.
    start = datetime(2025, 11, 26, 13, 0, tzinfo=timezone.utc)
    for i in range(4000):
        add(start + timedelta(milliseconds=i * 300), f"10.90.5.{i % 4 + 10}", None, "GET", "/Orders/Service.svc", "wsdl", 200, 3, 5120)
    return rows


def write(name, header, rows, compress):
    rows.sort(key=lambda r: r[0])
    text = header + "".join(line + "\n" for _, line in rows)
    path = os.path.join(HERE, name)
    if compress == "zstd":
        subprocess.run(["zstd", "-19", "-q", "-f", "-o", path], input=text.encode(), check=True)
    else:
        with open(path, "wb") as f:
            # mtime=0 and no file name keep the bytes reproducible.
            with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
                g.write(text.encode())
    print(f"{name}: {len(rows)} lines, {os.path.getsize(path):,} bytes")


if __name__ == "__main__":
    write("gateway-access.log.zst", "", gateway(), "zstd")
    write("kong-gateway.jsonl.zst", "", kong(), "zstd")
    write("servicenow-syslog_transaction.csv.gz",
          '"sys_id","sys_created_on","sys_created_by","type","url","remote_ip","user_agent","output_length","protocol","response_time","sql_time"\n',
          servicenow_transactions(), "gzip")
    write("servicenow-sysevent.csv.gz",
          '"sys_id","sys_created_on","name","parm1","parm2","instance","queue","state","sys_created_by"\n',
          servicenow_events(), "gzip")
    write("servicenow-sys_outbound_http_log.csv.gz",
          '"Created","HTTP Method","Hostname","Path","HTTP response status","Response length","Total call time","Source table","User","MID server"\n',
          servicenow_outbound(), "gzip")
    write("iis-orders-service.log.gz",
          "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2025-11-24 00:00:00\n"
          "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status sc-bytes time-taken\n",
          iis(), "gzip")
