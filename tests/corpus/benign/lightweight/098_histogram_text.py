# Question: Plot a text histogram of order values in $25 bins.
order_values = [12, 27, 33, 48, 51, 55, 62, 64, 70, 71, 75, 79, 84, 88, 93, 99, 105, 110, 131, 149, 152, 178, 190, 205, 230]
bin_width = 25

bins = {}
for v in order_values:
    b = (v // bin_width) * bin_width
    bins[b] = bins.get(b, 0) + 1

for b in range(0, max(bins) + bin_width, bin_width):
    count = bins.get(b, 0)
    print(f"${b:>3}-{b + bin_width - 1:<3} | {'█' * count}{' ' if count else ''}{count or ''}")
print(f"n={len(order_values)}, mode bin = ${max(bins, key=bins.get)}")
