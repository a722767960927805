# Question: In what order should the ETL pipeline steps run given their dependencies?
from graphlib import TopologicalSorter

dependencies = {
    "load_warehouse": {"transform_sales", "transform_customers"},
    "transform_sales": {"extract_sales", "extract_fx_rates"},
    "transform_customers": {"extract_crm"},
    "build_dashboard": {"load_warehouse"},
    "send_report": {"build_dashboard"},
}

sorter = TopologicalSorter(dependencies)
sorter.prepare()
stage = 1
while sorter.is_active():
    ready = sorted(sorter.get_ready())
    print(f"Stage {stage}: {', '.join(ready)}")
    sorter.done(*ready)
    stage += 1

print("Sequential order:", list(TopologicalSorter(dependencies).static_order())[-1])
