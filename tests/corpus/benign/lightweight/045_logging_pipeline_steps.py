# Question: Clean a list of transactions, logging each rejected row, and report what remains.
import logging
import sys

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
log = logging.getLogger("cleaner")

rows = [
    {"id": 1, "amount": "120.50", "currency": "USD"},
    {"id": 2, "amount": "-5", "currency": "USD"},
    {"id": 3, "amount": "abc", "currency": "EUR"},
    {"id": 4, "amount": "89.99", "currency": "eur"},
    {"id": 5, "amount": "300", "currency": "XXX"},
    {"id": 6, "amount": "15.00", "currency": "GBP"},
]
valid_currencies = {"USD", "EUR", "GBP"}

clean = []
for row in rows:
    try:
        amount = float(row["amount"])
    except ValueError:
        log.warning("row %s: amount %r is not a number", row["id"], row["amount"])
        continue
    if amount <= 0:
        log.warning("row %s: non-positive amount %s", row["id"], amount)
        continue
    currency = row["currency"].upper()
    if currency not in valid_currencies:
        log.error("row %s: unknown currency %s", row["id"], currency)
        continue
    clean.append({"id": row["id"], "amount": amount, "currency": currency})
    log.debug("row %s accepted", row["id"])

log.info("kept %d of %d rows", len(clean), len(rows))
for row in clean:
    print(f"{row['id']:>3} {row['amount']:>8.2f} {row['currency']}")
