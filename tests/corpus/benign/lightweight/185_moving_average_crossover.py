# Question: When did the 5-day moving average cross the 10-day moving average in these closing prices?
closes = [101.2, 102.0, 101.5, 100.8, 99.9, 99.1, 98.7, 99.5, 100.9, 102.3, 103.8, 104.1, 103.2, 102.0,
          100.9, 100.1, 99.0, 98.2, 98.9, 100.3, 101.8, 103.0, 104.6, 105.2]


def sma(values, window, i):
    return sum(values[i - window + 1:i + 1]) / window


signals = []
prev_diff = None
for i in range(9, len(closes)):
    short, long_ = sma(closes, 5, i), sma(closes, 10, i)
    diff = short - long_
    if prev_diff is not None and (prev_diff <= 0 < diff or prev_diff >= 0 > diff):
        kind = "golden cross (buy)" if diff > 0 else "death cross (sell)"
        signals.append((i, kind))
        print(f"day {i + 1:>2}: close {closes[i]:.1f}  SMA5 {short:.2f}  SMA10 {long_:.2f}  -> {kind}")
    prev_diff = diff
print(f"{len(signals)} signal(s) over {len(closes)} days")
