# Question: How much does $10,000 grow over 10 years with different compounding frequencies?
import math

principal = 10_000
rate = 0.045
years = 10
frequencies = {"annually": 1, "semi-annually": 2, "quarterly": 4, "monthly": 12, "daily": 365}

for label, n in frequencies.items():
    value = principal * (1 + rate / n) ** (n * years)
    print(f"{label:<14} ${value:>11,.2f}")
continuous = principal * math.exp(rate * years)
print(f"{'continuous':<14} ${continuous:>11,.2f}")
print(f"Years to double at {rate:.1%} (continuous): {math.log(2) / rate:.2f}; rule of 72: {72 / (rate * 100):.2f}")
