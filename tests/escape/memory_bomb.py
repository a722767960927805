# what: memory bomb: 64 MiB chunks with every page touched, forever
# expect: memory_limit|killed|error
chunks = []
while True:
    chunks.append(b"x" * (64 << 20))
    print("allocated MiB:", 64 * len(chunks), flush=True)
