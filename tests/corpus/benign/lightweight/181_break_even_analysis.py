# Question: How many units must we sell to break even, and what profit do we make at various volumes?
fixed_costs = 84_000.0
price = 49.0
variable_cost = 21.5

contribution = price - variable_cost
break_even_units = fixed_costs / contribution
print(f"Contribution margin: ${contribution:.2f} per unit ({contribution / price:.1%})")
print(f"Break-even: {break_even_units:,.0f} units (${break_even_units * price:,.0f} revenue)")
for units in range(1000, 6001, 1000):
    profit = units * contribution - fixed_costs
    print(f"{units:>6,} units -> profit {profit:>+12,.2f}")
target_profit = 50_000
print(f"Units for ${target_profit:,} profit: {(fixed_costs + target_profit) / contribution:,.0f}")
