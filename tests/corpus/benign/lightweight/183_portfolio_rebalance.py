# Question: What trades bring a portfolio back to its 60/30/10 target allocation?
holdings = {"Stocks": 71_400.0, "Bonds": 24_100.0, "Cash": 4_500.0}
target = {"Stocks": 0.60, "Bonds": 0.30, "Cash": 0.10}
prices = {"Stocks": 102.35, "Bonds": 48.10, "Cash": 1.0}

total = sum(holdings.values())
print(f"Portfolio value: ${total:,.2f}")
for asset, value in holdings.items():
    desired = total * target[asset]
    diff = desired - value
    units = diff / prices[asset]
    action = "BUY" if diff > 0 else "SELL"
    print(f"{asset:<7} now {value / total:6.2%} target {target[asset]:6.2%} -> {action:<4} ${abs(diff):>10,.2f} ({abs(units):,.2f} units)")
drift = max(abs(v / total - target[a]) for a, v in holdings.items())
print(f"Max drift {drift:.2%}: {'rebalance' if drift > 0.05 else 'within tolerance'}")
