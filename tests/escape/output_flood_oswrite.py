# what: output flood through raw os.write on stdout and stderr
# expect: timeout|ok|error|killed
# timeout: 2
import os
chunk = b"x" * 65536
while True:
    os.write(1, chunk)
    os.write(2, chunk)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
