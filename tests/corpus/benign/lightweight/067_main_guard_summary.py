# Question: What is the average order value per weekday for last week's orders?
from datetime import datetime
from statistics import mean


ORDERS = [
    ("2024-05-13 09:14", 54.20), ("2024-05-13 17:40", 120.00), ("2024-05-14 11:02", 33.10),
    ("2024-05-15 08:55", 78.45), ("2024-05-15 19:30", 210.00), ("2024-05-15 21:05", 15.99),
    ("2024-05-17 12:12", 64.00), ("2024-05-18 10:10", 99.90), ("2024-05-19 16:45", 42.00),
]


def group_by_weekday(orders):
    result = {}
    for stamp, amount in orders:
        day = datetime.strptime(stamp, "%Y-%m-%d %H:%M").strftime("%A")
        result.setdefault(day, []).append(amount)
    return result


def main():
    groups = group_by_weekday(ORDERS)
    for day, amounts in groups.items():
        print(f"{day:<10} orders={len(amounts)} AOV={mean(amounts):7.2f}")
    missing = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"} - groups.keys()
    print("No orders on:", ", ".join(sorted(missing)) or "-")


if __name__ == "__main__":
    main()
