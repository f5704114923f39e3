#!/usr/bin/env python3
"""Rotation torture for `logwatch tail`.

With a seeded random schedule: appends to several logs that one glob names, rotates them by
rename, copy-truncate and gzip (right away, or delayed to the next rotation as logrotate's
delaycompress does), starts date-named files, kills `tail` with SIGKILL or SIGTERM at random
moments (rotating and writing while it is down), and restarts it. At the end it compares what
`tail` judged with the truth and with `logwatch scan` over every file left:
  - the engine's event count equals the number of lines written (nothing lost, none twice),
  - the incidents that fired are the ones `scan` finds over all the data (no missing, no extra),
  - no event was late.
It prints its seed first; `--seed N` replays a run.

  Tests/torture/rotation.py --cycles 200 [--seed N] [--bin .build/release/logwatch] [--cover] [--keep]
"""
import argparse
import datetime
import gzip
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

# One line a second of event time, so that every line has its own timestamp (a replay can
# tell which lines were read twice); max_lateness covers how far one followed file can run
# ahead of another within a pass (4,000 lines a file); the windows are the defaults.
CONFIG = "max_lateness: 3h\n"
STEP_MS = 1000


class Writer:
    """The logs and the application writing them: lines in event-time order over the
    streams, each numbered, and the rotations."""

    def __init__(self, root, rng, kinds):
        self.kinds = kinds
        self.root = root
        self.rng = rng
        self.logs = os.path.join(root, "logs")
        os.makedirs(self.logs)
        self.time_ms = int((time.time() - 7 * 86400) * 1000)
        self.written = 0
        self.streams = ["api.log", "auth.log"]
        self.day = 0
        self.dated = self.dated_name()
        self.pending_compress = set()  # rotated files logrotate will compress next time
        self.attacks = 0

    def dated_name(self):
        return "batch-%s.log" % (datetime.date(2026, 12, 1) + datetime.timedelta(days=self.day)).isoformat()

    def path(self, name):
        return os.path.join(self.logs, name)

    def line(self, status=200, ip=None, user=None):
        self.time_ms += STEP_MS
        t = datetime.datetime.fromtimestamp(self.time_ms / 1000, datetime.timezone.utc)
        n = self.written
        self.written += 1
        ip = ip or "10.1.%d.%d" % (n % 7, n % 13 + 1)
        user = user or "svc_%d" % (n % 11)
        return '%s - %s [%s] "POST /api/now/table/incident/%d HTTP/1.1" %d %d "-" "torture"\n' % (
            ip, user, t.strftime("%d/%b/%Y:%H:%M:%S +0000"), n, status, n)

    def append(self, count):
        names = self.streams + [self.dated]
        buffers = {name: [] for name in names}
        for _ in range(count):
            name = self.rng.choice(names)
            if self.rng.random() < 0.01:
                # A burst of failed logins from one address: an incident for failed_auth_spike.
                self.attacks += 1
                ip = "203.0.113.%d" % (self.attacks % 250 + 1)
                for _ in range(25):
                    buffers[name].append(self.line(status=401, ip=ip, user="admin"))
            else:
                buffers[name].append(self.line())
        # Each stream's lines in order; across streams the writer interleaves as an
        # application with several files does (within a batch).
        for name, lines in buffers.items():
            if lines:
                with open(self.path(name), "a") as f:
                    f.writelines(lines)

    def shift(self, name):
        """Moves name.N (and name.N.gz) to N+1, oldest first."""
        generations = []
        for entry in os.listdir(self.logs):
            m = re.fullmatch(re.escape(name) + r"\.(\d+)(\.gz)?", entry)
            if m:
                generations.append((int(m.group(1)), entry, m.group(2) or ""))
        for n, entry, gz in sorted(generations, reverse=True):
            os.rename(self.path(entry), self.path("%s.%d%s" % (name, n + 1, gz)))
        # delaycompress: the file rotated last time is compressed now.
        if name in self.pending_compress:
            self.gzip(self.path(name + ".2"))
            self.pending_compress.discard(name)

    def gzip(self, path):
        with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.unlink(path)

    def rotate(self, kind=None):
        kind = kind or self.rng.choice(self.kinds)
        name = self.rng.choice(self.streams)
        if kind == "dated":
            self.day += 1
            self.dated = self.dated_name()
            return "dated " + self.dated
        if not os.path.exists(self.path(name)):
            return "nothing to rotate"
        self.shift(name)
        first = self.path(name + ".1")
        if kind == "copytruncate":
            shutil.copyfile(self.path(name), first)
            with open(self.path(name), "r+") as f:
                f.truncate(0)
        else:
            os.rename(self.path(name), first)
            if kind == "gzip":
                self.gzip(first)
            elif kind == "delaycompress":
                self.pending_compress.add(name)
        return "%s %s" % (kind, name)


class Tail:
    def __init__(self, binary, root):
        self.binary = binary
        self.root = root
        self.proc = None
        self.runs = 0
        self.last_stderr = ""

    def start(self):
        self.runs += 1
        self.err_path = os.path.join(self.root, "tail-%d.err" % self.runs)
        self.proc = subprocess.Popen(
            [self.binary, "tail", "--config", "logwatch.yml", "--state-dir", "state", "--from-beginning",
             "--poll-interval", "0.1", "logs/*.log*"],
            cwd=self.root, stdout=subprocess.DEVNULL, stderr=open(self.err_path, "w"))

    def stop(self, sig):
        if not self.proc:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise SystemExit("tail did not stop within 30 s of signal %d (see %s)" % (sig, self.err_path))
        with open(self.err_path) as f:
            self.last_stderr = f.read()
        # A SIGTERM before tail set its handlers up (it had not started) ends it by default.
        started = "tail: state in" in self.last_stderr
        if sig == signal.SIGTERM and self.proc.returncode != 0 and (started or self.proc.returncode != -signal.SIGTERM):
            raise SystemExit("tail exited %d after SIGTERM (see %s)" % (self.proc.returncode, self.err_path))
        self.proc = None

    @property
    def running(self):
        return self.proc is not None


def run(args):
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    print("seed %d, %d cycles" % (seed, args.cycles), flush=True)
    rng = random.Random(seed)
    root = tempfile.mkdtemp(prefix="logwatch-torture-")
    binary = os.path.abspath(args.bin)
    with open(os.path.join(root, "logwatch.yml"), "w") as f:
        f.write(CONFIG)
    writer = Writer(root, rng, args.kinds.split(","))
    tail = Tail(binary, root)
    writer.append(50)
    tail.start()
    # A first run with no state reads plain files only: the chaos starts once it has looked
    # at its pattern and saved a checkpoint (from then on, every line is tail's to read).
    deadline = time.time() + 30
    while True:
        try:
            with sqlite3.connect("file:%s?mode=ro" % os.path.join(root, "state", "state.sqlite"), uri=True) as db:
                if db.execute("SELECT count(*) FROM pattern_look").fetchone()[0] > 0:
                    break
        except sqlite3.Error:
            pass
        if time.time() > deadline:
            raise SystemExit("tail saved no checkpoint within 30 s (see %s)" % tail.err_path)
        time.sleep(0.1)
    kills = {"KILL": 0, "TERM": 0}
    rotations = {}
    trace = open(os.path.join(root, "trace"), "w")
    for cycle in range(args.cycles):
        before = writer.written
        writer.append(rng.randint(20, 600))
        trace.write("cycle %d: lines %d-%d\n" % (cycle, before, writer.written - 1))
        if args.cover or rng.random() < 0.5:
            done = writer.rotate(writer.kinds[cycle % len(writer.kinds)] if args.cover else None)
            trace.write("  rotate: %s\n" % done)
            what = done.split(" ")[0]
            rotations[what] = rotations.get(what, 0) + 1
        time.sleep(rng.random() * 0.3)
        if tail.running and (args.cover or rng.random() < 0.5):
            sig = rng.choice([signal.SIGKILL, signal.SIGTERM])
            kills["KILL" if sig == signal.SIGKILL else "TERM"] += 1
            tail.stop(sig)
            trace.write("  stop tail-%d with %s\n" % (tail.runs, "SIGKILL" if sig == signal.SIGKILL else "SIGTERM"))
        elif not tail.running and (args.cover or rng.random() < 0.7):
            tail.start()
            trace.write("  start tail-%d\n" % tail.runs)
        trace.flush()
    if not tail.running:
        tail.start()
    # Once tail has caught up, a last line four hours later: both tail and scan then close
    # every window of the data. (Written earlier, tail could read it before the other files'
    # last lines, which would then be late.)
    time.sleep(3)
    writer.time_ms += 4 * 3600 * 1000
    with open(writer.path(writer.streams[0]), "a") as f:
        f.write(writer.line())
    time.sleep(2)
    tail.stop(signal.SIGTERM)
    match = re.search(r"events judged this run \(([\d,]+) in all\), [\d,]+ late \(([\d,]+) in all\)", tail.last_stderr)
    if not match:
        raise SystemExit("no engine summary in %s" % tail.err_path)
    judged = int(match.group(1).replace(",", ""))
    late = int(match.group(2).replace(",", ""))
    history = subprocess.run([binary, "alerts", "--state-dir", "state", "--output", "json", "--limit", "1000000"],
                             cwd=root, capture_output=True, text=True, check=True).stdout
    tail_fired = sorted({a["id"] for a in map(json.loads, history.splitlines()) if a["status"] == "firing"})
    files = sorted(os.path.join("logs", f) for f in os.listdir(os.path.join(root, "logs")))
    scan = subprocess.run([binary, "scan", "--config", "logwatch.yml", "--output", "json"] + files,
                          cwd=root, capture_output=True, text=True)
    if scan.returncode not in (0, 1):
        raise SystemExit("scan failed (%d): %s" % (scan.returncode, scan.stderr))
    scan_fired = sorted({a["id"] for a in map(json.loads, scan.stdout.splitlines()) if a["status"] == "firing"})
    scan_events = int(re.search(r"engine: ([\d,]+) events judged", scan.stderr).group(1).replace(",", ""))

    print("written %d lines in %d files; tail judged %d (%d late) over %d runs (%d SIGKILL, %d SIGTERM); "
          "scan judged %d; rotations %s" % (writer.written, len(files), judged, late, tail.runs, kills["KILL"],
                                             kills["TERM"], scan_events, rotations))
    print("incidents fired: tail %d, scan %d" % (len(tail_fired), len(scan_fired)))
    failures = []
    if judged != writer.written:
        failures.append("tail judged %d events, %d lines were written" % (judged, writer.written))
    if scan_events != writer.written:
        failures.append("scan judged %d events, %d lines were written" % (scan_events, writer.written))
    if late:
        failures.append("%d events were late in tail" % late)
    if tail_fired != scan_fired:
        failures.append("incidents differ: only in tail %s, only in scan %s" % (
            sorted(set(tail_fired) - set(scan_fired)), sorted(set(scan_fired) - set(tail_fired))))
    print("summary " + json.dumps({"seed": seed, "cycles": args.cycles, "lines": writer.written, "runs": tail.runs,
                                    "sigkill": kills["KILL"], "sigterm": kills["TERM"], "rotations": rotations,
                                    "incidents": len(scan_fired), "ok": not failures}, sort_keys=True))
    if failures:
        print("FAILED (seed %d; files kept in %s):" % (seed, root))
        for f in failures:
            print("  " + f)
        return 1
    print("ok (seed %d)" % seed)
    if not args.keep:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--bin", default=".build/release/logwatch")
    parser.add_argument("--kinds", default="rename,copytruncate,gzip,delaycompress,dated",
                        help="the rotations to choose from (comma-separated)")
    parser.add_argument("--cover", action="store_true",
                        help="every cycle rotates (each kind in turn) and stops or starts tail")
    parser.add_argument("--keep", action="store_true", help="keep the files of a run that passed")
    sys.exit(run(parser.parse_args()))
