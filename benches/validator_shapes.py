#!/usr/bin/env python3
"""Validation time of ordinary and adversarial programs through `pyexec validate`, as the
validator reports it (`elapsed_us`: parsing and checking, no process start-up).

    python3 benches/validator_shapes.py --binary target/release/pyexec [--binary OTHER ...]

Each input is validated --rounds times; the median is printed per binary, with the verdict.
Inputs: a 200-line and a 10,000-line program built from the benign corpus, and shapes built
to be expensive (deep attribute chains, one name bound by thousands of imports and used
thousands of times, thousands of distinct imports, a heavy-tier path assigned through
thousands of names, 300 KB of functions, 130 KB of benign programs).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def corpus(lines):
    """Whole benign programs (not the documented refusals) up to `lines`, padded."""
    import tomllib

    folder = os.path.join(ROOT, "tests", "corpus", "benign", "lightweight")
    with open(os.path.join(ROOT, "tests", "corpus", "benign", "refusals.toml"), "rb") as f:
        refused = {r["file"].split("/")[-1] for r in tomllib.load(f)["refusal"]}
    texts = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py") and name not in refused:
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                texts.append(f.read())
    out, count = [], 0
    while count < lines:
        for text in texts:
            n = text.count("\n")
            if count + n > lines:
                break
            out.append(text if text.endswith("\n") else text + "\n")
            count += n
        else:
            continue
        break
    out.extend(f"pad_{i} = {i} * 2 + 1\n" for i in range(count, lines))
    return "".join(out)


def shapes():
    yield "snippet_200_lines", "auto", corpus(200)
    yield "file_10000_lines", "auto", corpus(10_000)
    yield "benign_130_kb", "auto", corpus(3_200)[:130_000].rsplit("\n", 1)[0] + "\n"
    yield "deep_attribute_chain", "auto", "import math\nx = math" + ".pi" * 20_000 + "\n"
    text = "".join(f"from math import a{i} as r\n" for i in range(2_000))
    text += "".join(f"r.x{i}.y.z\n" for i in range(2_000))
    yield "bindings_x_chains", "auto", text
    yield "distinct_imports_5000", "auto", "".join(
        f"import math as m{i}\nm{i}.sqrt({i})\n" for i in range(5_000)
    )
    text = "import pandas as pd\np0 = 'a.csv'\n"
    text += "".join(f"p{i} = 'b.csv'\np{i} = p{i - 1}\n" for i in range(1, 3_000))
    text += "pd.read_csv(p2999)\n"
    yield "path_assignment_chain", "heavy", text
    yield "functions_300kb", "auto", "".join(
        f"def f{i}(a, b=2):\n    return [x * b for x in range(a)] + [str(a).upper()]\n"
        for i in range(4_000)
    )


def validate(binary, path, tier, rounds):
    times, verdict = [], ""
    for _ in range(rounds):
        out = subprocess.run(
            [binary, "validate", "--format", "json", "--tier", tier, path],
            capture_output=True, text=True, timeout=600,
        )
        result = json.loads(out.stdout)
        times.append(result["elapsed_us"] / 1000.0)
        codes = sorted({f["code"] for f in result["findings"]})
        verdict = "accepted" if result["valid"] else "rejected " + ",".join(codes[:3])
    return statistics.median(times), verdict


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'input':26} {'bytes':>8}  " + "  ".join(f"{b[-40:]:>40}" for b in args.binary))
        for name, tier, text in shapes():
            path = os.path.join(tmp, f"{name}.py")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            cells = []
            for binary in args.binary:
                ms, verdict = validate(binary, path, tier, args.rounds)
                cells.append(f"{ms:9.1f} ms {verdict[:26]:>26}")
            print(f"{name:26} {len(text.encode()):>8}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
