# Question: Find the reorder point and order quantity that minimize expected inventory cost by grid search.
import numpy as np

rng = np.random.default_rng(99)
daily_demand = rng.poisson(20, size=(200, 60))  # 200 simulated scenarios, 60 days
holding_cost, stockout_cost, order_cost = 0.15, 4.0, 50.0


def simulate(reorder_point, order_qty, lead_time=3):
    costs = np.zeros(daily_demand.shape[0])
    for s in range(daily_demand.shape[0]):
        stock, pipeline = 150, []
        for day, d in enumerate(daily_demand[s]):
            arrived = [q for t, q in pipeline if t == day]
            stock += sum(arrived)
            pipeline = [(t, q) for t, q in pipeline if t > day]
            short = max(d - stock, 0)
            stock = max(stock - d, 0)
            costs[s] += short * stockout_cost + stock * holding_cost
            if stock + sum(q for _, q in pipeline) <= reorder_point:
                pipeline.append((day + lead_time, order_qty))
                costs[s] += order_cost
    return costs.mean()


grid = [(r, q) for r in (40, 60, 80) for q in (100, 200, 300)]
results = sorted((simulate(r, q), r, q) for r, q in grid)
for cost, r, q in results[:5]:
    print(f"reorder point {r:>3}, order qty {q:>3}: expected cost {cost:8.2f}")
print("Best policy:", results[0][1:], "| worst cost:", round(results[-1][0], 2))
