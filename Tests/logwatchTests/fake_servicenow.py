#!/usr/bin/env python3
"""A stand-in for a ServiceNow instance's Table API and OAuth endpoint, for the tests of
`logwatch tail --servicenow`. It serves rows from a JSON file ({"TABLE": [row, ...]}) the way
the Table API documents it (GET /api/now/table/TABLE with sysparm_query, sysparm_limit,
sysparm_offset, sysparm_fields; {"result": [...]}), and misbehaves as real instances do:

  - a row is visible only once its sys_created_on (UTC) has passed, and a row with
    "_late": true only --late-seconds after that (committed late);
  - tokens from POST /oauth_token.do (client credentials) expire after --token-lifetime
    seconds, and a request with an expired one gets 401;
  - every --throttle-every'th table request gets 429 with Retry-After: 1.

It prints its port on the first line, then logs one line per request to --log.

  fake_servicenow.py --rows rows.json --client-id ID --client-secret SECRET --log requests.log
"""
import argparse
import datetime
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = None
rows = {}
tokens = {}
lock = threading.Lock()
table_requests = 0


def created(row):
    return datetime.datetime.strptime(row["sys_created_on"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()


def visible(row, now):
    return created(row) + (args.late_seconds if row.get("_late") else 0) <= now


def matches(row, conditions):
    for field, op, value in conditions:
        v = row.get(field, "")
        if op == ">=" and not v >= value:
            return False
        if op == "<" and not v < value:
            return False
        if op == "=" and not v == value:
            return False
    return True


def parse_query(query):
    conditions, order = [], []
    for part in query.split("^") if query else []:
        if part.startswith("ORDERBY"):
            order.append(part[len("ORDERBY"):])
            continue
        for op in (">=", "<", "="):
            if op in part:
                field, value = part.split(op, 1)
                conditions.append((field, op, value))
                break
        else:
            raise ValueError("unsupported condition " + part)
    return conditions, order


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def record(self, line):
        with lock, open(args.log, "a") as f:
            f.write(line + "\n")

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if self.path != "/oauth_token.do":
            return self.answer(404, {"error": "not found"})
        ok = (form.get("grant_type") == ["client_credentials"] and form.get("client_id") == [args.client_id]
              and form.get("client_secret") == [args.client_secret])
        self.record(f"token {'ok' if ok else 'refused'}")
        if not ok:
            return self.answer(401, {"error": "invalid_client", "error_description": "access_denied"})
        token = secrets.token_hex(16)
        with lock:
            tokens[token] = time.time() + args.token_lifetime
        self.answer(200, {"access_token": token, "scope": "useraccount", "token_type": "Bearer", "expires_in": args.token_lifetime})

    def do_GET(self):
        global table_requests
        url = urllib.parse.urlparse(self.path)
        if not url.path.startswith("/api/now/table/"):
            return self.answer(404, {"error": {"message": "not found"}})
        table = url.path[len("/api/now/table/"):]
        auth = self.headers.get("Authorization", "")
        with lock:
            expiry = tokens.get(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None
            table_requests += 1
            n = table_requests
        if expiry is None or expiry < time.time():
            self.record(f"GET {table} 401")
            return self.answer(401, {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"})
        if args.throttle_every and n % args.throttle_every == 0:
            self.record(f"GET {table} 429")
            return self.answer(429, {"error": {"message": "Too many requests"}}, [("Retry-After", "1")])
        q = urllib.parse.parse_qs(url.query)
        conditions, order = parse_query(q.get("sysparm_query", [""])[0])
        limit = int(q.get("sysparm_limit", ["10000"])[0])
        offset = int(q.get("sysparm_offset", ["0"])[0])
        now = time.time()
        found = [r for r in rows.get(table, []) if visible(r, now) and matches(r, conditions)]
        for field in reversed(order):
            found.sort(key=lambda r: r.get(field, ""))
        page = found[offset:offset + limit]
        fields = q.get("sysparm_fields", [None])[0]
        out = []
        for r in page:
            r = {k: v for k, v in r.items() if not k.startswith("_")}
            if fields:
                r = {k: r.get(k, "") for k in fields.split(",")}
            out.append(r)
        self.record(f"GET {table} 200 {len(out)}")
        self.answer(200, {"result": out})


def main():
    global args, rows
    p = argparse.ArgumentParser()
    p.add_argument("--rows", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--token-lifetime", type=int, default=1800)
    p.add_argument("--late-seconds", type=float, default=0)
    p.add_argument("--throttle-every", type=int, default=0)
    args = p.parse_args()
    with open(args.rows) as f:
        rows = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
