# Question: Show the nested dashboard configuration in a readable layout.
from pprint import pprint, pformat

dashboard = {
    "title": "Regional Sales",
    "refresh_minutes": 15,
    "filters": {"region": ["North", "South", "East", "West"], "year": [2023, 2024]},
    "widgets": [
        {"type": "kpi", "metric": "revenue", "format": "currency"},
        {"type": "line", "metric": "orders", "group_by": "week", "options": {"smooth": True, "markers": False}},
        {"type": "table", "columns": ["rep", "region", "revenue", "quota_attainment"]},
    ],
}

pprint(dashboard, width=70, sort_dicts=False)
print()
print(pformat(dashboard["widgets"][1], depth=1))
print(f"{len(dashboard['widgets'])} widgets configured")
