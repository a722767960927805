# what: victim of the cross-request heap scan: plants two secrets, one only in its code, one only in its output
# expect: ok
# Driven by a dedicated Rust test together with heap_scan_attacker.py (not by the generic probe
# runner, which lists only tests/escape/*.py). Before sending, the test replaces every
# <PLACEHOLDER> in this file with one fresh random token of letters and digits; the attacker,
# run later on the same slot (or concurrently on another), must not print either secret.
#   code secret:   the literal below; it is in the request's code and nowhere in the output;
#   output secret: assembled at run time and printed; it is in the output, not in the code.
# An attacker that finds the code secret read request code; one that finds the output secret
# read an earlier request's output (or this process's memory).
CODE_SECRET = "pyexec-secret-code-<PLACEHOLDER>"
TOKEN = "<PLACEHOLDER>"
OUTPUT_SECRET = "-".join(["pyexec", "secret", "output", TOKEN])
assert len(CODE_SECRET) > 0
# Ordinary output around the secret: real programs print more than one short line, and an
# answer of a few hundred bytes is held in the allocator's larger blocks rather than pymalloc's.
print("result of the victim's computation:", OUTPUT_SECRET, flush=True)
for i in range(32):
    print(f"row {i:2d}: {i * i:4d} {'#' * (i % 8)}")
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
