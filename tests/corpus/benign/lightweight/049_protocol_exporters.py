# Question: Export the same summary table as CSV, Markdown and JSON through a common interface.
import json
from typing import Protocol


class Exporter(Protocol):
    def export(self, rows: list[dict]) -> str: ...


class CsvExporter:
    def export(self, rows):
        header = ",".join(rows[0])
        return "\n".join([header] + [",".join(str(v) for v in r.values()) for r in rows])


class MarkdownExporter:
    def export(self, rows):
        cols = list(rows[0])
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
        return "\n".join(lines)


class JsonExporter:
    def export(self, rows):
        return json.dumps(rows, indent=1)


def publish(exporter: Exporter, rows: list[dict]) -> None:
    print(f"--- {type(exporter).__name__} ---")
    print(exporter.export(rows))


summary = [{"region": "North", "orders": 120, "revenue": 15400}, {"region": "South", "orders": 98, "revenue": 12010}]
for exporter in (CsvExporter(), MarkdownExporter(), JsonExporter()):
    publish(exporter, summary)
