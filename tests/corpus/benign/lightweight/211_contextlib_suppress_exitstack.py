# Question: Parse optional numeric fields from form data, ignoring bad values, and clean up resources in order.
from contextlib import suppress, ExitStack, closing, redirect_stdout
import io

form = {"age": "34", "income": "72,000", "children": "two", "tenure_years": "5.5"}
parsed = {}
for key, raw in form.items():
    with suppress(ValueError):
        parsed[key] = float(raw.replace(",", ""))
print("Parsed:", parsed, "| skipped:", sorted(form.keys() - parsed.keys()))


class Resource:
    def __init__(self, name, log):
        self.name, self.log = name, log
        log.append(f"open {name}")

    def close(self):
        self.log.append(f"close {self.name}")


log = []
with ExitStack() as stack:
    for name in ("cache", "session", "cursor"):
        stack.enter_context(closing(Resource(name, log)))
    stack.callback(log.append, "callback ran")
    log.append("working")
print("Lifecycle:", log)

captured = io.StringIO()
with redirect_stdout(captured):
    print("this line goes to a buffer")
print("Captured text:", captured.getvalue().strip())
