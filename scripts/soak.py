#!/usr/bin/env python3
"""Soak test of the executor: mixed concurrent clients, then proof that no capacity was lost.

  python3 scripts/soak.py [--binary PATH] [--url URL] [--duration SECS] [--short]
                          [--max-concurrency N] [--json OUT] [--seed N]

Without --url it starts `pyexec serve --role executor` (--binary, default target/release/pyexec,
else target/debug/pyexec; run as root) on 127.0.0.1:0 with 2 slots, and stops it with SIGTERM:
it must exit 0 within its grace period. --url tests a running executor (loopback only).

Client classes run together on threads at rising concurrency (1, 8, 32, 128; --short: up to 32,
about 30 s in all). normal: small programs whose exact output the script computes, each output
carrying its request id (a mix-up between requests is a failure). hostile: infinite loop, memory
bombs, output flood, fork, open('/etc/passwd'), each with its expected status. slow: sleep
0.5-2 s then print. disconnecting: raw sockets that vanish mid-execution, mid-headers, mid-body
or before a declared body; unchecked, they exist to prove that capacity is never lost. A 503
busy is counted and retried after its Retry-After (a bounded number of times).

Then it waits (bounded) for every slot ready and nothing queued, runs a final burst of normal
requests at concurrency == pool size (all must succeed exactly, busy included) and a probe:
one sleep(1) per slot, all at once, each must succeed (its wall time is reported, not judged:
timings belong in benchmarks).

Exit 0 only if no request was unexpected (wrong output or status, a 5xx other than 503 busy, a
transport error of a well-behaved client), capacity is full after the run, the service's open
fds grew by at most 16 and it shut down cleanly. Last line: `soak: N passed, M failed`, N the
checked requests as expected, M the unexpected ones plus failed end-of-run checks.
"""
import argparse
import builtins
import collections
import http.client
import json
import math
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

API, HEALTH = "/api/v1/execute_snippet", "/api/v1/health"
POOL_SIZE = 2
SHUTDOWN_GRACE_SECS = 10  # the executor's default shutdown_grace_secs
FD_SLACK = 16
BUSY_RETRIES = 8
HTTP_TIMEOUT = 60.0
MIX = [("normal", 50), ("hostile", 20), ("slow", 12), ("disconnecting", 18)]
CLASSES = ("normal", "slow", "hostile", "disconnecting", "final")
COLUMNS = ("sent", "ok", "exp_fail", "unexpected", "busy", "gave_up")


class Stats:
    """Counters per client class, latencies of answered requests, and what went wrong."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.defaultdict(collections.Counter)
        self.latency = collections.defaultdict(list)
        self.reasons = collections.Counter()  # "class: reason" -> count
        self.example = {}  # "class: reason" -> first request id
        self.checks_failed = []

    def add(self, cls, verdict, latency=None, rid=None, why=None):
        with self.lock:
            self.counts[cls]["sent"] += 1
            self.counts[cls][verdict] += 1
            if latency is not None:
                self.latency[cls].append(latency)
            if why:
                self.reasons[f"{cls}: {why}"] += 1
                self.example.setdefault(f"{cls}: {why}", rid)

    def busy(self, cls):
        with self.lock:
            self.counts[cls]["busy"] += 1

    def total(self, key, classes=CLASSES):
        return sum(self.counts[c][key] for c in classes)


def die(message):
    """Stops before any request ran; the last line is still the one CI reads."""
    print(f"soak: {message}\nsoak: 0 passed, 1 failed", flush=True)
    sys.exit(1)


def pct(samples, p):
    s = sorted(samples)
    return round(s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))] * 1000, 1) if s else 0.0


def http_call(addr, method, path, body=None, timeout=HTTP_TIMEOUT):
    """One request on its own connection: (status, headers, parsed JSON or raw bytes)."""
    conn = http.client.HTTPConnection(addr[0], addr[1], timeout=timeout)
    try:
        conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, resp.headers, json.loads(raw)
    except ValueError:
        return resp.status, resp.headers, raw


def execute(ctx, cls, code, rid, limits=None, retries=BUSY_RETRIES):
    """POSTs one program, retrying busy answers: (http status, body, latency in s), or None
    when every attempt was busy. Transport errors propagate to the caller."""
    body = json.dumps(dict(code=code, request_id=rid, **({"limits": limits} if limits else {})))
    for attempt in range(retries + 1):
        t0 = time.monotonic()
        status, headers, data = http_call(ctx["addr"], "POST", API, body.encode())
        latency = time.monotonic() - t0
        error = data.get("error") if isinstance(data, dict) else None
        if status != 503 or not isinstance(error, dict) or error.get("kind") != "busy":
            return status, data, latency
        ctx["stats"].busy(cls)
        if attempt == retries or time.monotonic() > ctx["retry_until"]:
            break
        after = headers.get("Retry-After", "1").strip()
        time.sleep(min(5.0, float(after) if after.isdigit() else 1.0) + random.uniform(0, 0.5))
    return None


def judge(ctx, cls, rid, code, limits, check, retries=BUSY_RETRIES):
    """Runs one checked request; `check(result)` returns None when the result is as expected,
    else what is wrong. Records the verdict."""
    stats = ctx["stats"]
    try:
        answer = execute(ctx, cls, code, rid, limits, retries)
    except (OSError, http.client.HTTPException) as err:
        return stats.add(cls, "unexpected", rid=rid, why=f"transport error {type(err).__name__}: {err}")
    if answer is None:
        if retries == 0:
            return stats.add(cls, "unexpected", rid=rid, why="503 busy at concurrency == pool size")
        return stats.add(cls, "gave_up")
    status, data, latency = answer
    if status != 200 or not isinstance(data, dict) or "status" not in data:
        err = data.get("error") if isinstance(data, dict) else None
        if isinstance(err, dict):
            data = f"{err.get('kind')}: {err.get('message')}"
        return stats.add(cls, "unexpected", latency, rid, f"HTTP {status} {str(data)[:160]}")
    problem = (check(data) if data.get("request_id") == rid
               else f"answer carries request_id {data.get('request_id')!r}")
    if problem:
        return stats.add(cls, "unexpected", latency, rid, problem)
    stats.add(cls, "ok" if data["status"] == "ok" and cls != "hostile" else "exp_fail", latency)


def expect(statuses, stdout=None, stderr_has=None, cap=None):
    """A check of a result: None when it is as expected, else what is wrong. `stderr_has` is
    required of an `error`; `cap` means stdout must be truncated to exactly that length."""
    def check(r):
        st, out, err = r.get("status"), r.get("stdout", ""), r.get("stderr", "")
        if st not in statuses:
            return f"status {st!r}, expected {sorted(statuses)}; stdout {out[:80]!r}, stderr {err[-160:]!r}"
        if stdout is not None and out != stdout:
            return f"stdout {out[:160]!r}, expected {stdout[:160]!r}"
        if st == "error" and stderr_has and stderr_has not in err:
            return f"error without {stderr_has}: {err[-160:]!r}"
        if cap is not None and (r.get("stdout_truncated") is not True or len(out) != cap):
            return f"flood: truncated {r.get('stdout_truncated')!r}, {len(out)} chars kept of cap {cap}"
        return "host file content in stdout" if "root:" in out else None
    return check


def normal_program(rng, tag):
    """A small program and its exact expected output, computed here by the same expression."""
    kind = rng.randrange(4)
    if kind == 0:
        imports, expr = "", f"sum(range({rng.randrange(1, 200_000)}))"
    elif kind == 1:
        args = (rng.randrange(-10**6, 10**6), rng.uniform(-1e4, 1e4), uuid.uuid4().hex[:rng.randrange(1, 20)])
        imports, expr = "", f"'%9d|%.3f|%s' % {args!r}"
    elif kind == 2:
        doc = {"id": tag, "n": [rng.randrange(10**9) for _ in range(rng.randrange(1, 8))],
               "s": "é✓\"\\" * rng.randrange(3), "nested": {"k": rng.random() < 0.5, "v": None}}
        imports, expr = "import json\n", f"json.dumps(json.loads(json.dumps({doc!r})), sort_keys=True)"
    else:
        n = rng.randrange(10, 300)
        args = (n, rng.randrange(n), rng.randrange(1, 10**12), rng.randrange(1, 10**12), rng.randrange(10**30))
        imports = "import math\n"
        expr = "(math.comb({0}, {1}), math.gcd({2}, {3}), math.isqrt({4}))".format(*args)
    value = eval(expr, {"__builtins__": builtins, "json": json, "math": math})  # our own expression
    return f"{imports}print({tag!r}, {expr})\n", f"{tag} {value}\n"


def client_normal(ctx, rng, tag, retries=BUSY_RETRIES):
    code, expected = normal_program(rng, tag)
    judge(ctx, "normal" if retries else "final", tag, code, None, expect({"ok"}, expected), retries)


def client_slow(ctx, rng, tag):
    secs = round(rng.uniform(0.5, 2.0), 2)
    code = f"import time\ntime.sleep({secs})\nprint({tag!r}, {secs})\n"
    judge(ctx, "slow", tag, code, {"timeout_secs": 10}, expect({"ok"}, f"{tag} {secs}\n"))


def client_hostile(ctx, rng, tag):
    cap = rng.choice([1024, 4096, 65536])
    mem, oom = {"memory_mb": 64, "timeout_secs": 10}, expect({"memory_limit", "error"}, stderr_has="MemoryError")
    cases = [
        ("loop", "while True:\n    pass\n", {"timeout_secs": 1}, expect({"timeout"})),
        ("bytearray", "b = bytearray(10**10)\nprint(len(b))\n", mem, oom),
        ("list", "x = []\nwhile True:\n    x.append(' ' * (1 << 20))\n", mem, oom),
        ("flood", "print('x' * 10**7)\n", {"max_output_bytes": cap, "timeout_secs": 10}, expect({"ok"}, cap=cap)),
        ("fork", "import os\nprint('forked', os.fork())\n", {"timeout_secs": 5}, expect({"rejected", "error"})),
        ("open", "print(open('/etc/passwd').read())\n", {"timeout_secs": 5}, expect({"rejected"})),
    ]
    name, code, limits, check = rng.choice(cases)
    judge(ctx, "hostile", f"{tag}-{name}", code, limits, check)


def client_disconnecting(ctx, rng, tag):
    """Sends a request, or part of one, on a raw socket and vanishes. Nothing is checked."""
    mode = rng.choice(["mid_run", "half_headers", "half_body", "no_body"])
    code = f"import time\ntime.sleep({rng.uniform(1, 3):.2f})\nprint('never read')\n"
    body = json.dumps({"code": code, "request_id": tag}).encode()
    length = rng.randrange(100_000, 900_000) if mode == "no_body" else len(body)  # under the 1 MiB cap
    head = (f"POST {API} HTTP/1.1\r\nHost: {ctx['addr'][0]}:{ctx['addr'][1]}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode()
    data = {"mid_run": head + body, "half_headers": head[: len(head) // 2],
            "half_body": head + body[: len(body) // 2], "no_body": head}[mode]
    try:
        with socket.create_connection(ctx["addr"], timeout=5) as s:
            s.sendall(data)
            time.sleep(rng.uniform(0, 0.5))
            if rng.random() < 0.5:  # half of them reset the connection instead of closing it
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        ctx["stats"].add("disconnecting", mode)
    except OSError:
        ctx["stats"].add("disconnecting", "connect_error")


CLIENTS = {"normal": client_normal, "hostile": client_hostile, "slow": client_slow,
           "disconnecting": client_disconnecting}


def worker(ctx, seed, level, until, max_requests):
    rng = random.Random(seed)
    names, weights = zip(*MIX)
    for i in range(max_requests):
        if time.monotonic() >= until:
            break
        CLIENTS[rng.choices(names, weights)[0]](ctx, rng, f"soak-{level}-{seed}-{i}-{uuid.uuid4().hex[:8]}")


def run_threads(targets, join_within):
    """Starts one thread per (function, args); returns how many are still alive at the bound."""
    threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in targets]
    for th in threads:
        th.start()
    deadline = time.monotonic() + join_within
    for th in threads:
        th.join(max(0.1, deadline - time.monotonic()))
    return sum(th.is_alive() for th in threads)


def run_load(ctx, levels, duration, seed):
    """Each level for an equal share of `duration`: that many workers, each starting requests
    until the share is over (then finishing the one in flight). Returns the seconds taken."""
    stats, t_load = ctx["stats"], time.monotonic()
    for lv in levels:
        t0, n0 = time.monotonic(), stats.total("sent")
        until = t0 + duration / len(levels)
        ctx["retry_until"] = until + 30
        hung = run_threads([(worker, (ctx, seed * 100_000 + lv * 1000 + w, lv, until, 500)) for w in range(lv)],
                           duration / len(levels) + 120)
        if hung:
            stats.checks_failed.append(f"{hung} client thread(s) at level {lv} did not finish")
        print(f"soak: level {lv:>3}: {stats.total('sent') - n0} requests in {time.monotonic() - t0:.1f} s")
    return time.monotonic() - t_load


def health(addr):
    """The health document, whichever shape it has (readiness may answer 503 with a body)."""
    try:
        status, _, data = http_call(addr, "GET", HEALTH, timeout=5)
    except (OSError, http.client.HTTPException) as err:
        return {"error": repr(err)}
    return data if isinstance(data, dict) else {"error": f"HTTP {status}"}


def capacity_full(h):
    pool = h.get("pool") or {}
    return (bool(pool.get("slots")) and pool.get("ready") == pool.get("slots") and pool.get("queued", 0) == 0
            and not pool.get("dead") and not pool.get("rearming") and h.get("ready", True) is not False)


def settle(addr, bound):
    """Waits up to `bound` s for full capacity: (full, health, description, seconds waited)."""
    t0, h = time.monotonic(), health(addr)
    while not capacity_full(h) and time.monotonic() - t0 < bound:
        time.sleep(0.5)
        h = health(addr)
    pool = h.get("pool") or {}
    text = f"{pool.get('ready')}/{pool.get('slots')} slots ready, {pool.get('busy')} busy, {pool.get('queued')} queued"
    text += "".join(f", {k} {pool[k]}" for k in ("rearming", "dead") if k in pool)
    text += (f", ready={h['ready']}" if "ready" in h else "") + (f" ({h['error']})" if "error" in h else "")
    return capacity_full(h), pool, text, time.monotonic() - t0


def final_burst(ctx, slots, per_worker):
    """Normal requests at concurrency == pool size (no busy retries), then one sleep(1) per
    slot at once: with every slot working they finish together in about 1 s."""
    def burst(s):
        for i in range(per_worker):
            client_normal(ctx, random.Random(s * 7919 + i), f"final-{s}-{i}-{uuid.uuid4().hex[:8]}", 0)
    hung = run_threads([(burst, (s,)) for s in range(slots)], 120)
    t0 = time.monotonic()
    probe = "import time\ntime.sleep(1)\nprint({!r})\n"
    hung += run_threads([(judge, (ctx, "final", f"probe-{s}-{uuid.uuid4().hex[:8]}", probe.format(f"p{s}"),
                                  {"timeout_secs": 10}, expect({"ok"}, f"p{s}\n"), 0)) for s in range(slots)], 60)
    return hung, time.monotonic() - t0


def proc_figures(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), None)
        return {"rss_kb": rss, "fds": len(os.listdir(f"/proc/{pid}/fd"))}
    except (OSError, TypeError):
        return None


def start_service(binary, logdir):
    env = dict(os.environ, PYEXEC_EXECUTOR__SANDBOX__UID="61500", PYEXEC_EXECUTOR__SANDBOX__GID="61500",
               PYEXEC_EXECUTOR__POOL_SIZE=str(POOL_SIZE), PYEXEC_EXECUTOR__MAX_QUEUE="64",
               PYEXEC_LOG__FORMAT="json")
    out_path, err_path = os.path.join(logdir, "stdout"), os.path.join(logdir, "stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([binary, "serve", "--role", "executor", "--listen", "127.0.0.1:0"],
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with open(out_path) as f:
            line = f.readline()
        if line.startswith("listening on ") and line.endswith("\n"):
            host, port = line.split()[-1].rsplit(":", 1)
            return proc, (host, int(port))
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    with open(err_path, errors="replace") as f:
        die(f"the service did not start (exit {proc.returncode}):\n{f.read()[-2000:]}")


def stop_service(proc):
    """SIGTERM; it must exit 0 within the grace period (+2 s): (ok, description)."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(SHUTDOWN_GRACE_SECS + 2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False, f"still running {SHUTDOWN_GRACE_SECS + 2} s after SIGTERM (killed)"
    return rc == 0, f"exit {rc} {time.monotonic() - t0:.1f} s after SIGTERM"


def report(stats, fig, json_out):
    """Prints the summary (last line: `soak: N passed, M failed`); returns the exit status."""
    print(f"\n{'class':<14}" + "".join(f"{c:>11}" for c in COLUMNS) + f"{'p50 ms':>9}{'p99 ms':>9}")
    classes = {}
    for cls in CLASSES:
        lat = stats.latency[cls]
        classes[cls] = dict({c: stats.counts[cls][c] for c in COLUMNS}, p50_ms=pct(lat, 50), p99_ms=pct(lat, 99))
        print(f"{cls:<14}" + "".join(f"{classes[cls][c]:>11}" for c in COLUMNS)
              + f"{classes[cls]['p50_ms']:>9}{classes[cls]['p99_ms']:>9}")
    fig["disconnect_modes"] = {k: v for k, v in stats.counts["disconnecting"].items() if k != "sent"}
    print(f"disconnecting modes: {fig['disconnect_modes']}")
    print(f"latency (checked requests, load phase): p50 {fig['p50_ms']} ms, p99 {fig['p99_ms']} ms")
    print(f"throughput: {fig['throughput_rps']} answered requests/s over {fig['load_secs']} s")
    print(f"capacity after the run: {fig['capacity']}; {fig['slots']} x sleep(1) at once took {fig['probe_secs']} s")
    before, after = fig.get("service_before"), fig.get("service_after")
    if before and after:
        print(f"service RSS {before['rss_kb']} -> {after['rss_kb']} KiB, open fds {before['fds']} -> {after['fds']}")
    print(f"shutdown: {fig['shutdown']}")
    passed = stats.total("ok") + stats.total("exp_fail")
    failed = stats.total("unexpected") + len(stats.checks_failed)
    reasons = [f"{n} x {why} (e.g. {stats.example[why]})" for why, n in stats.reasons.most_common()]
    failures = stats.checks_failed + reasons
    if failures:
        print(f"\nFAILURES: {stats.total('unexpected')} unexpected requests, {len(stats.checks_failed)} failed checks")
        for line in stats.checks_failed + reasons[:15]:
            print(f"  - {line}")
        if len(reasons) > 15:
            print(f"  ... and {len(reasons) - 15} more kinds of unexpected result")
    if json_out:
        with open(json_out, "w") as f:
            json.dump(dict(fig, classes=classes, busy=stats.total("busy"), passed=passed, failed=failed,
                           failures=failures[:100]), f, indent=2)
    print(f"soak: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", help="default target/release/pyexec, else target/debug/pyexec")
    ap.add_argument("--url", help="an executor already running on loopback, e.g. http://127.0.0.1:8081")
    ap.add_argument("--duration", type=float, help="seconds of load (default 180; 18 with --short)")
    ap.add_argument("--short", action="store_true", help="CI mode: levels up to 32, about 30 s in all")
    ap.add_argument("--max-concurrency", type=int, default=128)
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    ap.add_argument("--seed", type=int, default=random.randrange(10**6))
    args = ap.parse_args()
    duration = args.duration or (18.0 if args.short else 180.0)
    levels = [lv for lv in ([1, 8, 32] if args.short else [1, 8, 32, 128]) if lv <= args.max_concurrency]
    levels = levels or [max(1, args.max_concurrency)]
    stats, proc = Stats(), None
    if args.url:
        u = urllib.parse.urlsplit(args.url)
        if u.hostname not in ("127.0.0.1", "localhost", "::1"):
            die("--url must be a loopback address")
        addr = (u.hostname, u.port or 80)
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        candidates = [args.binary] if args.binary else [os.path.join(root, "target", b, "pyexec")
                                                        for b in ("release", "debug")]
        binary = next((p for p in candidates if os.path.exists(p)), None)
        if not binary:
            die(f"no pyexec binary at {candidates} (build it or pass --binary)")
        logdir = tempfile.mkdtemp(prefix="pyexec-soak-")
        proc, addr = start_service(binary, logdir)
        print(f"soak: started {binary} on {addr[0]}:{addr[1]} (pid {proc.pid}, logs in {logdir})")
    fig = {"seed": args.seed, "levels": levels, "duration_secs": duration}
    try:
        ctx = {"addr": addr, "stats": stats, "retry_until": 0.0}
        for i in range(3):  # warm-up, not counted, so that lazily opened fds are in "before"
            execute(dict(ctx, stats=Stats()), "warmup", "print(1)", f"warmup-{i}-{uuid.uuid4().hex[:8]}")
        fig["service_before"] = proc and proc_figures(proc.pid)
        print(f"soak: seed {args.seed}, levels {levels}, {duration:.0f} s of load")
        load_secs = run_load(ctx, levels, duration, args.seed)
        checked = [x for c in ("normal", "slow", "hostile") for x in stats.latency[c]]  # answered ones
        fig.update(load_secs=round(load_secs, 1), throughput_rps=round(len(checked) / load_secs, 1),
                   p50_ms=pct(checked, 50), p99_ms=pct(checked, 99))
        full, pool, fig["capacity"], waited = settle(addr, 20.0 if args.short else 30.0)
        fig["capacity_full"], fig["slots"] = full, pool.get("slots") or POOL_SIZE
        print(f"soak: capacity after the run: {fig['capacity']} (waited {waited:.1f} s)")
        if not full:
            stats.checks_failed.append(f"capacity not full {waited:.0f} s after the run: {fig['capacity']}")
        hung, probe = final_burst(ctx, fig["slots"], 10 if args.short else 25)
        fig["probe_secs"] = round(probe, 2)
        if hung:
            stats.checks_failed.append(f"{hung} final-burst thread(s) did not finish")
        time.sleep(1.0)
        fig["service_after"] = proc and proc_figures(proc.pid)
        before, after = fig["service_before"], fig["service_after"]
        if before and after and after["fds"] > before["fds"] + FD_SLACK:
            stats.checks_failed.append(f"service open fds grew from {before['fds']} to {after['fds']}")
    finally:
        ok, fig["shutdown"] = stop_service(proc) if proc else (True, "not started by the script")
    if not ok:
        stats.checks_failed.append(f"shutdown: {fig['shutdown']}")
    return report(stats, fig, args.json)


if __name__ == "__main__":
    sys.exit(main())
