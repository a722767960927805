#!/usr/bin/env python3
"""Event triggers end to end through RabbitMQ (AMQP 1.0): lightweight requests consumed per
second, and completion events published per second.

Starts `pyexec serve --role executor` (the binary given, a release build) with an AMQP
source and sink on queues of its own, fills the request queue with N `print(i)` requests
(python-qpid-proton, PyPI), then receives the N completion events. Reports:

- consumed/s: N / (time from the executor seeing the queue full to the last completion
  event received): requests taken from the queue, validated, run in the sandbox, recorded
  durably, settled, announced;
- published/s: completion events over the same window, as received by a consumer.

Usage: python3 benches/amqp_throughput.py target/release/pyexec [-n 5000] [--pool 2]
Needs RabbitMQ with rabbitmq_amqp1_0 on 127.0.0.1:5672 (scripts/rabbitmq.sh).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from proton import Message
from proton.utils import BlockingConnection

URL = "amqp://127.0.0.1:5672"


def fill(address, n):
    conn = BlockingConnection(URL, user="guest", password="guest", allowed_mechs="PLAIN")
    sender = conn.create_sender(address)
    started = time.monotonic()
    for i in range(n):
        body = json.dumps({"code": f"print({i})", "request_id": f"bench-{i}"})
        sender.send(Message(body=body.encode(), durable=False), timeout=30)
    conn.close()
    return time.monotonic() - started


def drain(address, n, timeout):
    conn = BlockingConnection(URL, user="guest", password="guest", allowed_mechs="PLAIN")
    receiver = conn.create_receiver(address, credit=1000)
    seen = set()
    statuses = {}
    first = last = None
    deadline = time.monotonic() + timeout
    while len(seen) < n and time.monotonic() < deadline:
        try:
            msg = receiver.receive(timeout=5)
        except Exception:  # proton's Timeout
            continue
        receiver.accept()
        now = time.monotonic()
        first = first or now
        last = now
        body = msg.body if isinstance(msg.body, (bytes, bytearray)) else bytes(msg.body)
        event = json.loads(body)
        seen.add(event["request_id"])
        statuses[event["status"]] = statuses.get(event["status"], 0) + 1
    conn.close()
    return seen, statuses, first, last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--pool", type=int, default=2)
    ap.add_argument("--in-flight", type=int, default=256)
    args = ap.parse_args()
    tag = uuid.uuid4().hex
    requests, completions = f"/queue/bench-in-{tag}", f"/queue/bench-out-{tag}"
    work = tempfile.mkdtemp(prefix="pyexec-amqp-bench-")
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write(
            f"""[events]
caller = "event:bench"
[events.source]
kind = "amqp"
address = "{requests}"
username = "guest"
password = "guest"
max_in_flight = {args.in_flight}
[events.sink]
kind = "amqp"
address = "{completions}"
username = "guest"
password = "guest"
"""
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYEXEC_")}
    env.update(
        PYEXEC_EXECUTOR__POOL_SIZE=str(args.pool),
        PYEXEC_JOBS__STATE_DIR=os.path.join(work, "state"),
        PYEXEC_STORAGE__ROOT=os.path.join(work, "results"),
        PYEXEC_LOG__LEVEL="warn",
    )
    # Fill first, then start the executor: the consumption is measured on a full queue.
    filled = fill(requests, args.n)
    print(f"queued {args.n} requests in {filled:.2f}s ({args.n / filled:.0f}/s)", file=sys.stderr)
    log = open(os.path.join(work, "executor.log"), "w")
    proc = subprocess.Popen(
        [args.binary, "serve", "--role", "executor", "--listen", "127.0.0.1:0", "--config", config],
        env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening on"), line
        started = time.monotonic()
        seen, statuses, first, last = drain(completions, args.n, timeout=600)
        took = (last or time.monotonic()) - started
        ok = len(seen) == args.n
        print(json.dumps({
            "requests": args.n,
            "completed": len(seen),
            "statuses": statuses,
            "pool": args.pool,
            "max_in_flight": args.in_flight,
            "seconds": round(took, 3),
            "consumed_per_sec": round(len(seen) / took, 1),
            "published_per_sec": round(len(seen) / ((last - first) or 1e-9), 1) if first else 0,
        }))
        return 0 if ok else 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
