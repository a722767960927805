# Question: What are the top 5 and bottom 3 products by revenue?
import heapq

revenue = {
    "Aurora Lamp": 18_420, "Basalt Mug": 6_310, "Cedar Box": 11_950, "Drift Chair": 42_800,
    "Ember Candle": 9_875, "Fjord Rug": 27_300, "Grove Planter": 4_120, "Harbor Clock": 15_600,
    "Iris Vase": 7_740, "Juniper Shelf": 31_050,
}

top = heapq.nlargest(5, revenue.items(), key=lambda kv: kv[1])
bottom = heapq.nsmallest(3, revenue, key=revenue.get)
total = sum(revenue.values())
print("Top 5:")
for name, value in top:
    print(f"  {name:<14} {value:>7,}  {value / total:6.1%}")
print("Bottom 3:", ", ".join(bottom))
print(f"Top 5 share of revenue: {sum(v for _, v in top) / total:.1%}")
