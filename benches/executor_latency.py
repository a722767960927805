#!/usr/bin/env python3
"""End-to-end latency of POST /api/v1/execute_snippet for print(1+1), against a bubblewrap
baseline measured in the same run.

Usage: benches/executor_latency.py [--requests N] [--binary target/release/pyexec]
                                  [--no-history] [--request-ids] [--no-baseline]
Starts `pyexec serve --role executor` on a free port, sends N sequential requests, then N more
from two concurrent clients, then runs `bwrap --unshare-all ... python3 -I -S -c 'print(1+1)'`
N/5 times, and prints p50/p99 for each and the throughput with two clients.
--no-history switches the run history off (history.enabled = false); --request-ids sends a
new request id with every request (the history then looks each one up before running it).
The service keeps its state (and its SQLite history) in a temporary folder.
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

BODY = json.dumps({"code": "print(1+1)"}).encode()


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


REQUEST_IDS = False


def service_cpu_ms(pid):
    """User and system CPU time of the service process (its threads, not its sandboxes)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def client(host, port, n, out):
    conn = http.client.HTTPConnection(host, port)
    for _ in range(n):
        body = BODY
        if REQUEST_IDS:
            body = json.dumps({"code": "print(1+1)", "request_id": f"bench-{uuid.uuid4()}"}).encode()
        t = time.perf_counter()
        conn.request("POST", "/api/v1/execute_snippet", body, {"content-type": "application/json"})
        r = conn.getresponse()
        body = r.read()
        out.append((time.perf_counter() - t) * 1000)
        if r.status != 200 or json.loads(body)["stdout"] != "2\n":
            raise SystemExit(f"bad answer: {r.status} {body[:200]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--binary", default="target/release/pyexec")
    ap.add_argument("--no-history", action="store_true")
    ap.add_argument("--request-ids", action="store_true")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    global REQUEST_IDS
    REQUEST_IDS = args.request_ids
    state = tempfile.mkdtemp(prefix="pyexec-bench-")
    env = dict(os.environ, PYEXEC_LOG__LEVEL="warn", PYEXEC_EXECUTOR__POOL_SIZE="2",
               PYEXEC_JOBS__STATE_DIR=state,
               PYEXEC_HISTORY__ENABLED="false" if args.no_history else "true")
    proc = subprocess.Popen([args.binary, "serve", "--role", "executor", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, env=env)
    try:
        line = proc.stdout.readline().decode().strip()
        host, port = line.removeprefix("listening on ").rsplit(":", 1)
        port = int(port)
        warm = []
        client(host, port, 50, warm)
        seq = []
        cpu_before = service_cpu_ms(proc.pid)
        client(host, port, args.requests, seq)
        cpu_per_request = (service_cpu_ms(proc.pid) - cpu_before) / args.requests
        conc = [[], []]
        t = time.perf_counter()
        threads = [threading.Thread(target=client, args=(host, port, args.requests // 2, conc[i])) for i in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        both = conc[0] + conc[1]
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(state, ignore_errors=True)
    print(f"pyexec sequential ({len(seq)} requests): p50 {pct(seq, 50):.2f} ms, p99 {pct(seq, 99):.2f} ms, "
          f"service CPU {cpu_per_request:.3f} ms/request")
    print(f"pyexec 2 clients ({len(both)} requests): p50 {pct(both, 50):.2f} ms, p99 {pct(both, 99):.2f} ms, "
          f"{len(both) / elapsed:.0f} executions/s")
    if args.no_baseline:
        return
    bwrap = shutil.which("bwrap")
    if not bwrap:
        print("bwrap not installed: no baseline")
        return
    python = os.path.realpath("/usr/bin/python3")
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
           "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
           "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
           python, "-I", "-S", "-c", "print(1+1)"]
    base = []
    for _ in range(max(50, args.requests // 5)):
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True)
        base.append((time.perf_counter() - t) * 1000)
        if out.stdout != b"2\n":
            raise SystemExit(f"bwrap baseline failed: {out.stderr[:300]!r}")
    print(f"bwrap --unshare-all python3 -I -S ({len(base)} runs): p50 {pct(base, 50):.2f} ms, p99 {pct(base, 99):.2f} ms")
    print(f"ratio at p50: {pct(base, 50) / pct(seq, 50):.1f}x faster than bubblewrap")


main()
