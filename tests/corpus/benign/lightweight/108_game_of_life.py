# Question: Simulate a few generations of Conway's Game of Life for a glider on a small board.
def step(live, size):
    counts = {}
    for r, c in live:
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                if dr or dc:
                    key = ((r + dr) % size, (c + dc) % size)
                    counts[key] = counts.get(key, 0) + 1
    return {cell for cell, n in counts.items() if n == 3 or (n == 2 and cell in live)}


def show(live, size):
    return "\n".join("".join("#" if (r, c) in live else "." for c in range(size)) for r in range(size))


size = 8
live = {(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
for gen in range(5):
    print(f"Generation {gen} ({len(live)} alive):")
    print(show(live, size))
    live = step(live, size)
