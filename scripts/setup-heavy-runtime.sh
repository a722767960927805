#!/usr/bin/env bash
# Installs the heavy tier's data libraries (requirements/heavy.txt) into the runtime folder
# that `pyexec job-run` gives heavy code, read-only (default /opt/pyexec/heavy, setting
# `jobs.runtime_dir`). Safe to run again: it does nothing when the installed set matches the
# requirements file.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${PYEXEC_JOBS__RUNTIME_DIR:-/opt/pyexec/heavy}"
python="${PYEXEC_HEAVY_PYTHON:-/usr/bin/python3}"
stamp="$dir/requirements.sha256"
want="$(sha256sum requirements/heavy.txt | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi
echo "installing the heavy runtime into $dir" >&2
# Debian's interpreter may lack pip; any CPython 3.11 with pip installs the same wheels.
pip_python="$python"
if ! "$pip_python" -m pip --version >/dev/null 2>&1; then
    pip_python="$(command -v python3.11 || command -v python3)"
fi
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
"$pip_python" -m pip install --quiet --disable-pip-version-check --no-compile \
    --target "$dir.tmp/site-packages" -r requirements/heavy.txt
# The sandbox's uid must read it; nobody may write it.
chmod -R a+rX,go-w "$dir.tmp"
echo "$want" > "$dir.tmp/requirements.sha256"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
