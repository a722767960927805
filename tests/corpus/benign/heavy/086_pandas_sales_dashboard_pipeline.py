# Question: Build the full monthly sales dashboard dataset (KPIs, rep league table, product trends) and save it.
import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ORDERS_CSV = """order_id,order_date,rep,region,product,qty,unit_price,discount
1001,2024-01-04,Alba,North,Basic,10,49,0.00
1002,2024-01-09,Bram,South,Pro,2,199,0.10
1003,2024-01-15,Cleo,East,Basic,25,45,0.05
1004,2024-01-22,Dario,West,Enterprise,1,1499,0.00
1005,2024-01-30,Alba,North,Pro,3,199,0.00
1006,2024-02-02,Bram,South,Basic,8,49,0.00
1007,2024-02-08,Cleo,East,Pro,5,189,0.05
1008,2024-02-14,Dario,West,Basic,12,49,0.00
1009,2024-02-20,Alba,North,Enterprise,2,1499,0.15
1010,2024-02-27,Bram,South,Pro,4,199,0.00
1011,2024-03-05,Cleo,East,Enterprise,1,1399,0.00
1012,2024-03-11,Dario,West,Pro,6,199,0.10
1013,2024-03-18,Alba,North,Basic,15,49,0.00
1014,2024-03-22,Bram,South,Enterprise,1,1450,0.05
1015,2024-03-28,Cleo,East,Basic,30,45,0.10
1016,2024-03-29,Dario,West,Pro,2,199,0.00
"""

TARGETS = pd.DataFrame({
    "rep": ["Alba", "Bram", "Cleo", "Dario"],
    "quarterly_target": [6000, 4500, 5000, 4000],
})


def load_orders(text: str) -> pd.DataFrame:
    df = pd.read_csv(io.StringIO(text), parse_dates=["order_date"])
    df["gross"] = df["qty"] * df["unit_price"]
    df["net"] = (df["gross"] * (1 - df["discount"])).round(2)
    df["month"] = df["order_date"].dt.to_period("M").astype(str)
    df["product"] = pd.Categorical(df["product"], categories=["Basic", "Pro", "Enterprise"], ordered=True)
    return df


def monthly_kpis(df: pd.DataFrame) -> pd.DataFrame:
    kpis = df.groupby("month").agg(
        orders=("order_id", "count"),
        units=("qty", "sum"),
        gross=("gross", "sum"),
        net=("net", "sum"),
    )
    kpis["discount_rate"] = (1 - kpis["net"] / kpis["gross"]).round(4)
    kpis["aov"] = (kpis["net"] / kpis["orders"]).round(2)
    kpis["net_mom"] = kpis["net"].pct_change().round(4)
    return kpis


def league_table(df: pd.DataFrame) -> pd.DataFrame:
    reps = df.groupby("rep").agg(net=("net", "sum"), deals=("order_id", "count"), avg_discount=("discount", "mean"))
    reps = reps.join(TARGETS.set_index("rep"))
    reps["attainment"] = (reps["net"] / reps["quarterly_target"]).round(3)
    reps["rank"] = reps["net"].rank(ascending=False).astype(int)
    return reps.sort_values("rank")


def product_trend(df: pd.DataFrame) -> pd.DataFrame:
    trend = df.pivot_table(index="month", columns="product", values="net", aggfunc="sum", fill_value=0, observed=False)
    share = trend.div(trend.sum(axis=1), axis=0).round(3)
    share.columns = [f"{c}_share" for c in share.columns]
    return trend.join(share)


def main() -> None:
    orders = load_orders(ORDERS_CSV)
    kpis = monthly_kpis(orders)
    league = league_table(orders)
    trend = product_trend(orders)

    print("=== Monthly KPIs ===")
    print(kpis)
    print("\n=== Rep league table ===")
    print(league)
    print("\n=== Product trend ===")
    print(trend)

    kpis.to_csv("kpis.csv")
    league.reset_index().to_parquet("league.parquet", index=False)
    trend.reset_index().to_csv("product_trend.csv", index=False)

    check_kpis = pd.read_csv("kpis.csv", index_col="month")
    check_league = pq.read_table("league.parquet").to_pandas()
    check_trend = pd.read_csv("product_trend.csv")
    print("\n=== Files written and verified ===")
    print("kpis.csv rows:", len(check_kpis), "| net total:", round(check_kpis["net"].sum(), 2))
    print("league.parquet top rep:", check_league.sort_values("rank").iloc[0]["rep"])
    print("product_trend.csv columns:", list(check_trend.columns))
    above = check_league.loc[check_league["attainment"] >= 1, "rep"].tolist()
    print("Reps at or above target:", above or "none")
    print("Quarter net revenue:", f"{np.round(orders['net'].sum(), 2):,.2f}")


if __name__ == "__main__":
    main()
