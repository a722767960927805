# Question: Evaluate analyst-defined KPI formulas like "(revenue - cost) / revenue * 100" safely.
import re

TOKEN = re.compile(r"\s*(?:(\d+\.?\d*)|([A-Za-z_]\w*)|(.))")


def tokenize(text):
    for number, name, op in TOKEN.findall(text):
        if number:
            yield ("num", float(number))
        elif name:
            yield ("name", name)
        elif op.strip():
            yield ("op", op)
    yield ("end", None)


class Parser:
    def __init__(self, text, variables):
        self.tokens = list(tokenize(text))
        self.pos = 0
        self.vars = variables

    def peek(self):
        return self.tokens[self.pos]

    def take(self):
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expr(self):
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            value = value + self.term() if op == "+" else value - self.term()
        return value

    def term(self):
        value = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            rhs = self.factor()
            value = value * rhs if op == "*" else value / rhs
        return value

    def factor(self):
        kind, val = self.take()
        if kind == "num":
            return val
        if kind == "name":
            return self.vars[val]
        if (kind, val) == ("op", "-"):
            return -self.factor()
        if (kind, val) == ("op", "("):
            inner = self.expr()
            assert self.take() == ("op", ")"), "expected )"
            return inner
        raise SyntaxError(f"unexpected {val!r}")


metrics = {"revenue": 125_000.0, "cost": 87_500.0, "customers": 410, "churned": 23}
formulas = {
    "margin_pct": "(revenue - cost) / revenue * 100",
    "revenue_per_customer": "revenue / customers",
    "retention_pct": "(customers - churned) / customers * 100",
    "net": "-cost + revenue",
}
for name, formula in formulas.items():
    print(f"{name:<22} = {Parser(formula, metrics).expr():>12,.3f}   [{formula}]")
