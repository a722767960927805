# Question: Where do users drop off in the signup funnel?
funnel = [("Landing page", 18_400), ("Pricing page", 7_950), ("Signup form", 3_120), ("Email verified", 2_480), ("First report", 1_310), ("Paid plan", 402)]

top = funnel[0][1]
print(f"{'Step':<16}{'Users':>8}{'Step conv':>11}{'Overall':>9}")
prev = None
worst = None
for step, users in funnel:
    step_conv = users / prev if prev else 1.0
    if prev and (worst is None or step_conv < worst[1]):
        worst = (step, step_conv)
    print(f"{step:<16}{users:>8,}{step_conv:>11.1%}{users / top:>9.2%}  {'▇' * round(30 * users / top)}")
    prev = users
print(f"Biggest drop-off before: {worst[0]} ({1 - worst[1]:.1%} lost)")
