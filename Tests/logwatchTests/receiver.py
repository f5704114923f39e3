#!/usr/bin/env python3
"""A test receiver for logwatch's network sinks: an HTTP server on 127.0.0.1 that records
every request (headers, body, whether its signature verifies, and for Alertmanager's
/api/v2/alerts whether the body follows the v2 API's postableAlerts schema) as JSON lines,
and answers as the mode file says.

Modes, one per request in order from a comma-separated list (the last one stays):
  accept      200
  500         500
  429:N       429 with Retry-After: N
  hang:S      wait S seconds, then 200
  400         400 with a short body
"""
import argparse, datetime, hashlib, hmac, json, os, re, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def rfc3339(value):
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def postable_alerts_errors(body):
    """Checks a body against Alertmanager API v2 `postableAlerts` (api/v2/openapi.yaml):
    an array of objects with `labels` (required, a labelSet: string to string), and optional
    `annotations` (a labelSet), `startsAt` and `endsAt` (date-time) and `generatorURL` (uri)."""
    errors = []
    try:
        alerts = json.loads(body)
    except ValueError as e:
        return ["not JSON: %s" % e]
    if not isinstance(alerts, list):
        return ["not an array"]
    for i, a in enumerate(alerts):
        if not isinstance(a, dict):
            errors.append("%d: not an object" % i)
            continue
        extra = set(a) - {"labels", "annotations", "startsAt", "endsAt", "generatorURL"}
        if extra:
            errors.append("%d: unknown fields %s" % (i, sorted(extra)))
        labels = a.get("labels")
        if not isinstance(labels, dict) or not labels:
            errors.append("%d: labels missing" % i)
        for field in ("labels", "annotations"):
            for k, v in (a.get(field) or {}).items():
                if not isinstance(v, str) or not LABEL_NAME.match(k):
                    errors.append("%d: %s.%s is not a label" % (i, field, k))
        for field in ("startsAt", "endsAt"):
            if field in a and not rfc3339(a[field]):
                errors.append("%d: %s is not a date-time: %r" % (i, field, a[field]))
        if "generatorURL" in a and not urllib.parse.urlparse(a["generatorURL"]).scheme:
            errors.append("%d: generatorURL is not a URI" % i)
    return errors


class Receiver(BaseHTTPRequestHandler):
    lock = threading.Lock()
    count = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        arrived = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Receiver.lock:
            index = Receiver.count
            Receiver.count += 1
        modes = [m.strip() for m in open(self.server.mode_file).read().split(",") if m.strip()] or ["accept"]
        mode = modes[min(index, len(modes) - 1)]
        secret = os.environ.get("RECEIVER_SECRET")
        valid = None
        if secret and "X-Logwatch-Signature" in self.headers:
            ts = self.headers.get("X-Logwatch-Timestamp", "")
            expected = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            valid = hmac.compare_digest(expected, self.headers["X-Logwatch-Signature"]) and abs(time.time() - int(ts)) < 300
        record = {
            "time": arrived, "method": "POST", "path": self.path, "mode": mode, "headers": dict(self.headers),
            "body": body.decode("utf-8", "replace"), "signature_valid": valid,
        }
        if self.path.endswith("/api/v2/alerts"):
            record["schema_errors"] = postable_alerts_errors(body)
        status, headers, reply = 200, {}, b'{"status":"ok"}'
        if mode == "500":
            status, reply = 500, b"internal error"
        elif mode.startswith("429:"):
            status, headers, reply = 429, {"Retry-After": mode[4:]}, b"slow down"
        elif mode.startswith("hang:"):
            time.sleep(float(mode[5:]))
        elif mode == "400":
            status, reply = 400, b'{"error":"unknown field in payload"}'
        elif mode.startswith("redirect:"):
            # A redirect to another path of this server: a client that follows it shows up
            # there (a GET for 301/302/303, the same POST for 307/308).
            status, headers, reply = int(mode[9:]), {"Location": "/elsewhere"}, b"moved"
        elif mode.startswith("big:"):
            # A 1 MiB answer with the given status.
            status, reply = int(mode[4:]), b"x" * (1 << 20)
        record["status"] = status
        with Receiver.lock:
            with open(self.server.log_file, "a") as f:
                f.write(json.dumps(record) + "\n")
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        # Only a client that followed a redirect asks for anything: record it.
        record = {"time": time.time(), "method": "GET", "path": self.path, "mode": "", "headers": dict(self.headers),
                  "body": "", "signature_valid": None, "status": 200}
        with Receiver.lock:
            with open(self.server.log_file, "a") as f:
                f.write(json.dumps(record) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--mode-file", required=True)
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    p.add_argument("--tls-key")
    p.add_argument("--client-ca", help="require client certificates signed by this CA (mutual TLS)")
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
    if args.tls_cert:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.log_file, server.mode_file = args.log, args.mode_file
    if not os.path.exists(args.mode_file):
        open(args.mode_file, "w").write("accept")
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
