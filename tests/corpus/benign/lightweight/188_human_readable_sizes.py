# Question: Show dataset sizes from the storage inventory in human-readable units.
sizes = {"events_2023": 48_372_019_431, "customers": 18_230_112, "thumbnails": 734_003_200, "logs_archive": 2_199_023_255_552, "config": 4_096, "empty": 0}


def human(n, binary=True):
    base = 1024 if binary else 1000
    suffixes = ["B", "KiB", "MiB", "GiB", "TiB"] if binary else ["B", "kB", "MB", "GB", "TB"]
    value = float(n)
    for suffix in suffixes:
        if value < base or suffix == suffixes[-1]:
            return f"{value:.0f} {suffix}" if suffix == "B" else f"{value:.1f} {suffix}"
        value /= base


for name, n in sorted(sizes.items(), key=lambda kv: kv[1], reverse=True):
    print(f"{name:<13} {n:>18,} bytes  {human(n):>10}  {human(n, binary=False):>9}")
print("Total:", human(sum(sizes.values())))
