# what: thread bomb: start sleeping threads until it fails
# expect: ok|error|timeout|killed|memory_limit
import threading, time
count = 0
try:
    while True:
        threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
        count += 1
except (RuntimeError, MemoryError, OSError) as err:
    print("threads started before failure:", count, err, flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
