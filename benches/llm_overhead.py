#!/usr/bin/env python3
"""What the LLM role adds on top of the LLM's own time and the execution.

Usage: benches/llm_overhead.py [--queries N] [--binary target/release/pyexec]
Starts an OpenAI-compatible server in this process that answers every completion at once
with the same small program, then `pyexec serve --role all` against it, sends N sequential
queries to POST /api/v1/query and reports, from each answer's own `timings`, the overhead
total_ms - llm_ms - execute_ms (prompt building, code extraction, validation, classification,
JSON, the answer), plus the end-to-end time seen by the client.
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import time

PROGRAM = "```python\nimport statistics\nprint(statistics.mean([1, 2, 3, 4]))\n```"
COMPLETION = json.dumps({
    "id": "bench", "object": "chat.completion", "created": 0, "model": "bench",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": PROGRAM}, "finish_reason": "stop"}],
}).encode()


class InstantLlm(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs add
        # 40 ms to every answer of this test server.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(COMPLETION)))
        self.end_headers()
        self.wfile.write(COMPLETION)

    def do_GET(self):
        body = b'{"object":"list","data":[]}'
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--binary", default="target/release/pyexec")
    args = ap.parse_args()
    llm = ThreadingHTTPServer(("127.0.0.1", 0), InstantLlm)
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    env = dict(os.environ, PYEXEC_LOG__LEVEL="warn",
               PYEXEC_LLM__BASE_URL=f"http://127.0.0.1:{llm.server_address[1]}/v1",
               PYEXEC_LLM__EXECUTOR_URL="http://127.0.0.1:0")
    proc = subprocess.Popen([args.binary, "serve", "--role", "all", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, env=env)
    try:
        host, port = proc.stdout.readline().decode().strip().removeprefix("listening on ").rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port))
        body = json.dumps({"query": "What is the mean of 1, 2, 3 and 4?"}).encode()
        overhead, e2e, llm_ms, exec_ms, outside = [], [], [], [], []
        for i in range(args.queries + 20):
            t = time.perf_counter()
            conn.request("POST", "/api/v1/query", body, {"content-type": "application/json"})
            r = conn.getresponse()
            answer = json.loads(r.read())
            elapsed = (time.perf_counter() - t) * 1000
            if r.status != 200 or answer["result"]["stdout"] != "2.5\n":
                raise SystemExit(f"bad answer: {r.status} {answer}")
            if i < 20:
                continue  # warm-up
            tm = answer["timings"]
            overhead.append(tm["total_ms"] - tm["llm_ms"] - tm["execute_ms"])
            e2e.append(elapsed)
            outside.append(elapsed - tm["llm_ms"] - tm["execute_ms"])
            llm_ms.append(tm["llm_ms"])
            exec_ms.append(tm["execute_ms"])
        print(f"queries: {args.queries}")
        print(f"LLM role overhead (total - llm - execute): p50 {pct(overhead, 50):.3f} ms, p99 {pct(overhead, 99):.3f} ms")
        print(f"LLM call (instant test server): p50 {pct(llm_ms, 50):.2f} ms")
        print(f"execution over HTTP: p50 {pct(exec_ms, 50):.2f} ms")
        print(f"client end to end - llm - execute (adds the client's own HTTP round trip): p50 {pct(outside, 50):.3f} ms")
        print(f"end to end at the client: p50 {pct(e2e, 50):.2f} ms, p99 {pct(e2e, 99):.2f} ms")
    finally:
        proc.terminate()
        proc.wait()
        llm.shutdown()


if __name__ == "__main__":
    main()
