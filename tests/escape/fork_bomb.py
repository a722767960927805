# what: fork bomb: every child keeps forking forever
# expect: ok|error|timeout|killed|memory_limit
# timeout: 3
import os, time
forks = 0
try:
    while True:
        if os.fork() == 0:
            while True:  # children and grandchildren never return to the loop above
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.05)
        forks += 1
except (OSError, MemoryError) as err:
    print("forks from the first process before failure:", forks, err, flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
