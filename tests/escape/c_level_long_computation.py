# what: long C-level computations that never check for signals
# expect: timeout|killed
# timeout: 2
import re
re.match("(a*)*b", "a" * 60)  # catastrophic backtracking, years of work
sum(range(10 ** 15))  # never reached; a tight C loop as a second try
print("finished, which a 2 second timeout should make impossible", flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
