#!/usr/bin/env python3
"""Time from request to result of a small pandas job on the local backend.

Usage: benches/heavy_job.py [--jobs N] [--binary target/release/pyexec]
Starts `pyexec serve --role executor` (local job backend, results in a temporary folder),
then for each job: POST /api/v1/create_heavy_job, GET /api/v1/jobs/{id}?wait_secs=120, and
times the two together (runner start, heavy-tier validation, sandbox with pandas preloaded,
the program, writing result.json and a Parquet file). Sequential; prints p50 and max.
"""
import argparse
import http.client
import json
import os
import subprocess
import tempfile
import time

CODE = """import pandas as pd
df = pd.DataFrame({"k": [i % 7 for i in range(10000)], "v": range(10000)})
out = df.groupby("k", as_index=False)["v"].sum()
out.to_parquet("out.parquet")
print(int(out["v"].sum()))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=10)
    ap.add_argument("--binary", default="target/release/pyexec")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as storage:
        env = dict(os.environ, PYEXEC_LOG__LEVEL="warn", PYEXEC_STORAGE__ROOT=storage)
        proc = subprocess.Popen([args.binary, "serve", "--role", "executor", "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, env=env)
        try:
            host, port = proc.stdout.readline().decode().strip().removeprefix("listening on ").rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=300)
            times = []
            for i in range(args.jobs + 1):
                t = time.perf_counter()
                body = json.dumps({"code": CODE, "request_id": f"bench-{os.getpid()}-{i}"})
                conn.request("POST", "/api/v1/create_heavy_job", body, {"content-type": "application/json"})
                created = json.loads(conn.getresponse().read())
                conn.request("GET", f"/api/v1/jobs/{created['job_id']}?wait_secs=120")
                record = json.loads(conn.getresponse().read())
                elapsed = (time.perf_counter() - t) * 1000
                if record["status"] != "succeeded" or record["result"]["stdout"] != "49995000\n":
                    raise SystemExit(f"bad job: {record}")
                if i > 0:  # the first one warms the page cache
                    times.append(elapsed)
            times.sort()
            print(f"{args.jobs} pandas jobs, local backend: p50 {times[len(times) // 2]:.0f} ms, max {times[-1]:.0f} ms")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
