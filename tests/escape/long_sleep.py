# what: a long sleep
# expect: timeout
# timeout: 2
import time
time.sleep(3600)
