# what: memory bomb: 64 MiB chunks with every page touched, forever
# expect: memory_limit|killed|error
chunks = []
try:
    while True:
        chunks.append(b"x" * (64 << 20))
        print("allocated MiB:", 64 * len(chunks), flush=True)
except MemoryError:
    count = len(chunks)
    chunks.clear()
    print("blocked allocation failed after MiB:", 64 * count, flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
raise SystemExit(1)  # the loop ends only by MemoryError: still an error, as before
