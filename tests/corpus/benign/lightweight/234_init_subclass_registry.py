# Question: Register report exporters automatically and export one dataset in every registered format.
import json


class Exporter:
    registry = {}
    extension = ""

    def __init_subclass__(cls, fmt=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if fmt:
            Exporter.registry[fmt] = cls

    def render(self, rows):
        raise NotImplementedError


class CSVExporter(Exporter, fmt="csv"):
    def render(self, rows):
        keys = list(rows[0])
        return "\n".join([",".join(keys)] + [",".join(str(r[k]) for k in keys) for r in rows])


class JSONExporter(Exporter, fmt="json"):
    def render(self, rows):
        return json.dumps(rows)


class TSVExporter(CSVExporter, fmt="tsv"):
    def render(self, rows):
        return super().render(rows).replace(",", "\t")


data = [{"month": "Jan", "signups": 410}, {"month": "Feb", "signups": 388}]
print("Registered:", sorted(Exporter.registry))
for fmt, cls in sorted(Exporter.registry.items()):
    print(f"--- {fmt} via {cls.__name__}")
    print(cls().render(data))
