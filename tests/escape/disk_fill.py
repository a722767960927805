# what: filling the disk through the work folder with 1 MiB writes
# expect: ok|error
import os
chunk = b"x" * (1 << 20)
total = 0
try:
    with open("/work/fill", "wb") as f:
        while total <= 4096:
            f.write(chunk)
            f.flush()
            total += 1
except OSError as err:
    print("stopped after MiB:", total, err.strerror, flush=True)
if total > 1024:
    print("ESCAPED wrote", total, "MiB into the work folder", flush=True)
else:
    print("blocked disk fill capped at", total, "MiB", flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
