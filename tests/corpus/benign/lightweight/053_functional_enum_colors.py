# Question: Assign a traffic-light colour to each KPI based on its target attainment.
from enum import Enum

Color = Enum("Color", "RED AMBER GREEN")
Trend = Enum("Trend", [("DOWN", -1), ("FLAT", 0), ("UP", 1)])

kpis = {"Revenue": (0.97, 1), "Churn": (1.20, -1), "NPS": (0.85, 0), "Leads": (1.05, 1), "Tickets": (0.70, -1)}


def rate(attainment):
    if attainment >= 1.0:
        return Color.GREEN
    if attainment >= 0.9:
        return Color.AMBER
    return Color.RED


for name, (attainment, trend) in kpis.items():
    c = rate(attainment)
    print(f"{name:<8} {attainment:>5.0%}  {c.name:<5} (#{c.value})  trend {Trend(trend).name}")
print("Colors:", [c.name for c in Color])
