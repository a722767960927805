# Question: Show the same KPI values in the different number formats used across our reports.
values = {"revenue": 12345678.9, "conversion": 0.03456, "tiny_rate": 0.000012345, "orders": 98765, "delta": -1532.4}

for name, v in values.items():
    print(f"{name:<10} |{v:>16,.2f}|{v:>14_.1f}|{v:>12.3e}|{v:>10.2%}|{v:>+12.1f}|{v!s:>18}|")
print(f"{'x':=^20}")
print(f"{42:#06x} {42:#o} {42:#b} {1234567:,d} {'é':a<3} {'name'!a} {'tab'!r}")
print(format(0.5, ".0%"), format(1e6, ",.0f"), format(3.14159, "08.3f"))
