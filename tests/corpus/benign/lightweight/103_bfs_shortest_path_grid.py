# Question: What is the shortest walking path for a picker through the warehouse floor plan?
from collections import deque

floor = [
    "S....#....",
    ".##..#.##.",
    ".#...#..#.",
    ".#.###..#.",
    "...#....#E",
    ".#...##...",
]
rows, cols = len(floor), len(floor[0])
start = next((r, c) for r in range(rows) for c in range(cols) if floor[r][c] == "S")
end = next((r, c) for r in range(rows) for c in range(cols) if floor[r][c] == "E")

prev = {start: None}
queue = deque([start])
while queue:
    cell = queue.popleft()
    if cell == end:
        break
    r, c = cell
    for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        nr, nc = r + dr, c + dc
        if 0 <= nr < rows and 0 <= nc < cols and floor[nr][nc] != "#" and (nr, nc) not in prev:
            prev[(nr, nc)] = cell
            queue.append((nr, nc))

path = []
node = end
while node is not None:
    path.append(node)
    node = prev[node]
grid = [list(row) for row in floor]
for r, c in path[1:-1]:
    grid[r][c] = "*"
print(f"Shortest path: {len(path) - 1} steps")
print("\n".join("".join(row) for row in grid))
