# what: 4 MiB of invalid UTF-8 (0xff bytes, each one U+FFFD after decoding, six bytes once JSON-escaped) on stdout and stderr through raw os.write
# expect: ok
# timeout: 5
# The service must cap both streams while it reads them, answer, and keep the slot alive.
import os

os.write(1, b"reply-blowup-marker: 4 MiB of 0xff follow on stdout and stderr\n")
blob = b"\xff" * (4 << 20)
for fd in (1, 2):
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view):]
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
