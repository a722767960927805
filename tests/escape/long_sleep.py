# what: a long sleep
# expect: timeout
# timeout: 2
import time
time.sleep(3600)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
