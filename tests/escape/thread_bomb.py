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
