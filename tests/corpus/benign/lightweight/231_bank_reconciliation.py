# Question: Reconcile the bank statement against the ledger and list unmatched items on both sides.
import csv
import io
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

BANK = """date,description,amount
2024-05-01,OPENING BALANCE,0.00
2024-05-02,CARD ACME SUPPLIES,-245.10
2024-05-03,TRANSFER FROM CUST 1041,1200.00
2024-05-06,DIRECT DEBIT CLOUDCO,-89.00
2024-05-07,TRANSFER FROM CUST 1047,560.25
2024-05-09,BANK FEE,-12.50
2024-05-10,CARD OFFICE CAFE,-18.40
2024-05-13,TRANSFER FROM CUST 1052,980.00
"""

LEDGER = """date,reference,amount
2024-05-01,PO-7781 Acme Supplies,-245.10
2024-05-03,INV-1041,1200.00
2024-05-05,CloudCo subscription,-89.00
2024-05-07,INV-1047,560.25
2024-05-10,Team lunch,-18.40
2024-05-12,INV-1055,430.00
2024-05-14,INV-1052,980.00
"""


def parse(text, label_field):
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        amount = Decimal(r["amount"])
        if amount == 0:
            continue
        rows.append({"date": datetime.strptime(r["date"], "%Y-%m-%d").date(), "label": r[label_field], "amount": amount})
    return rows


bank = parse(BANK, "description")
ledger = parse(LEDGER, "reference")
tolerance = timedelta(days=3)

by_amount = defaultdict(list)
for i, entry in enumerate(ledger):
    by_amount[entry["amount"]].append(i)

matched, bank_only = [], []
used = set()
for b in bank:
    candidates = [i for i in by_amount[b["amount"]] if i not in used and abs(ledger[i]["date"] - b["date"]) <= tolerance]
    if candidates:
        best = min(candidates, key=lambda i: abs(ledger[i]["date"] - b["date"]))
        used.add(best)
        matched.append((b, ledger[best]))
    else:
        bank_only.append(b)
ledger_only = [e for i, e in enumerate(ledger) if i not in used]

print(f"Matched {len(matched)} item(s):")
for b, l in matched:
    lag = (b["date"] - l["date"]).days
    print(f"  {b['amount']:>9} bank {b['date']} ~ ledger {l['date']} ({lag:+d}d)  {l['label']}")
print("In bank but not in ledger:")
for b in bank_only:
    print(f"  {b['date']} {b['label']:<24} {b['amount']:>9}")
print("In ledger but not in bank:")
for e in ledger_only:
    print(f"  {e['date']} {e['label']:<24} {e['amount']:>9}")
difference = sum(b["amount"] for b in bank) - sum(e["amount"] for e in ledger)
print(f"Bank minus ledger: {difference}")
print(f"Explained by unmatched items: {sum(b['amount'] for b in bank_only) - sum(e['amount'] for e in ledger_only)}")
