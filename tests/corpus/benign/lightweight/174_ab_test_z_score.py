# Question: Is variant B's conversion rate significantly better than A's?
import math
from statistics import NormalDist

visitors_a, conversions_a = 12_480, 1_011
visitors_b, conversions_b = 12_390, 1_104

p_a = conversions_a / visitors_a
p_b = conversions_b / visitors_b
pooled = (conversions_a + conversions_b) / (visitors_a + visitors_b)
se = math.sqrt(pooled * (1 - pooled) * (1 / visitors_a + 1 / visitors_b))
z = (p_b - p_a) / se
p_value = 2 * (1 - NormalDist().cdf(abs(z)))

print(f"A: {p_a:.3%}  B: {p_b:.3%}  relative lift {(p_b - p_a) / p_a:+.2%}")
print(f"z = {z:.3f}, two-sided p-value = {p_value:.4f}")
se_diff = math.sqrt(p_a * (1 - p_a) / visitors_a + p_b * (1 - p_b) / visitors_b)
low, high = (p_b - p_a) - 1.96 * se_diff, (p_b - p_a) + 1.96 * se_diff
print(f"95% CI for difference: [{low:+.3%}, {high:+.3%}]")
print("Significant at 5%:", p_value < 0.05)
