#!/usr/bin/env bash
# Checks the benign corpus: every program is run twice, each time in a fresh empty
# temporary directory (its working directory, as in the sandbox), with different
# PYTHONHASHSEED values. A program passes when both runs exit 0, print something
# to stdout, print the same stdout, and each run stays under the time limit.
# A static pass also checks the import and path rules of each folder.
#
# Usage: tests/corpus/benign/check.sh [FILE_OR_DIR ...]   (default: both folders)
# Environment: PYTHON (default /usr/bin/python3), HEAVY_SITE (default
# /opt/pyexec/heavy/site-packages), LIMIT_MS (default 2000), TIMEOUT_S (default 20).
set -u

HERE="$(cd "$(dirname "$0")" && pwd)"
PY="${PYTHON:-/usr/bin/python3}"
HEAVY_SITE="${HEAVY_SITE:-/opt/pyexec/heavy/site-packages}"
LIMIT_MS="${LIMIT_MS:-2000}"
TIMEOUT_S="${TIMEOUT_S:-20}"

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("$HERE/lightweight" "$HERE/heavy")

files=()
for t in "${targets[@]}"; do
    if [ -d "$t" ]; then
        t="$(cd "$t" && pwd)"
        while IFS= read -r f; do files+=("$f"); done < <(find "$t" -name '*.py' | sort)
    elif [ -f "$t" ]; then
        files+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")")
    else
        echo "no such file or directory: $t" >&2
        exit 2
    fi
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Static rules, checked with the ast module (never runs the programs).
"$PY" - "${files[@]}" > "$scratch/static" <<'PYEOF'
import ast, re, sys
FORBIDDEN = {"os", "pathlib", "subprocess", "socket", "shutil", "tempfile", "glob",
             "ctypes", "pickle", "marshal", "importlib", "builtins", "signal",
             "multiprocessing", "threading", "urllib", "http", "ftplib", "sqlite3"}
HEAVY_OK = {"pandas", "numpy", "polars", "pyarrow"}
BANNED_CALLS = {"open", "input", "eval", "exec", "compile", "__import__", "breakpoint"}
name_re = re.compile(r"^\d{3}_[a-z0-9_]+\.py$")
for path in sys.argv[1:]:
    problems = []
    heavy = "/heavy/" in path
    if not name_re.match(path.rsplit("/", 1)[-1]):
        problems.append("file name is not NNN_short_name.py")
    src = open(path, encoding="utf-8").read()
    try:
        tree = ast.parse(src, path)
    except SyntaxError as e:
        print(f"{path}: syntax error: {e}")
        continue
    if not src.lstrip().startswith("#"):
        problems.append("no comment at the top")
    for node in ast.walk(tree):
        mods = []
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mods = [node.module or ""]
        for m in mods:
            top = m.split(".")[0]
            if top in FORBIDDEN:
                problems.append(f"imports {m}")
            elif top not in sys.stdlib_module_names and not (heavy and top in HEAVY_OK):
                problems.append(f"imports non-allowed module {m}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in BANNED_CALLS:
            problems.append(f"calls {node.func.id}()")
        if isinstance(node, ast.Attribute) and node.attr in {"path", "argv", "environ", "exit", "modules"} \
                and isinstance(node.value, ast.Name) and node.value.id in {"sys", "os"}:
            problems.append(f"uses {node.value.id}.{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            v = node.value
            if heavy and (v.startswith("/") or v.startswith("~") or ".." in v.split("/") or "://" in v):
                problems.append(f"path-like literal {v!r}")
    for p in problems:
        print(f"{path}: {p}")
PYEOF

fail=0
pass=0
slow=0
if [ -s "$scratch/static" ]; then
    sed 's/^/STATIC /' "$scratch/static"
    fail=$(( fail + $(cut -d: -f1 "$scratch/static" | sort -u | wc -l) ))
fi

run_once() { # file seed outfile -> prints elapsed ms; returns exit code
    local f="$1" seed="$2" out="$3" dir rc start end
    dir="$(mktemp -d "$scratch/run.XXXXXX")"
    start=$(date +%s%N)
    if [[ "$f" == */heavy/* ]]; then
        (cd "$dir" && PYTHONHASHSEED="$seed" PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HEAVY_SITE" \
            timeout "$TIMEOUT_S" "$PY" "$f" > "$out" 2> "$out.err" < /dev/null)
    else
        (cd "$dir" && PYTHONHASHSEED="$seed" PYTHONDONTWRITEBYTECODE=1 \
            timeout "$TIMEOUT_S" "$PY" "$f" > "$out" 2> "$out.err" < /dev/null)
    fi
    rc=$?
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 )) > "$out.ms"
    rm -rf "$dir"
    return $rc
}

for f in "${files[@]}"; do
    name="${f#"$HERE"/}"
    problem=""
    run_once "$f" 1 "$scratch/a"; rc1=$?
    run_once "$f" 4242 "$scratch/b"; rc2=$?
    ms1=$(cat "$scratch/a.ms"); ms2=$(cat "$scratch/b.ms")
    if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
        problem="exit codes $rc1/$rc2: $(tail -n 3 "$scratch/a.err" | tr '\n' ' ')"
    elif [ ! -s "$scratch/a" ]; then
        problem="printed nothing to stdout"
    elif ! cmp -s "$scratch/a" "$scratch/b"; then
        problem="stdout differs between runs: $(diff "$scratch/a" "$scratch/b" | head -n 4 | tr '\n' ' ')"
    elif [ "$ms1" -gt "$LIMIT_MS" ] && [ "$ms2" -gt "$LIMIT_MS" ]; then
        problem="too slow: ${ms1}ms and ${ms2}ms (limit ${LIMIT_MS}ms)"
        slow=$((slow + 1))
    fi
    if [ -n "$problem" ]; then
        echo "FAIL $name: $problem"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
        [ -n "${VERBOSE:-}" ] && echo "ok   $name (${ms1}ms, ${ms2}ms)"
    fi
done

echo "checked ${#files[@]} programs: $pass passed at run time, $fail failures"
[ "$fail" -eq 0 ]
