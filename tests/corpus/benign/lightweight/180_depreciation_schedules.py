# Question: Compare straight-line and double-declining depreciation for a $48,000 vehicle over 5 years.
cost, salvage, life = 48_000.0, 8_000.0, 5

print(f"{'Year':>4} {'Straight-line':>14} {'SL book':>10} {'Double-decl.':>13} {'DDB book':>10}")
sl_book = ddb_book = cost
sl_annual = (cost - salvage) / life
rate = 2 / life
for year in range(1, life + 1):
    sl_book -= sl_annual
    ddb = ddb_book * rate
    if ddb_book - ddb < salvage or year == life:
        ddb = ddb_book - salvage
    ddb_book -= ddb
    print(f"{year:>4} {sl_annual:>14,.2f} {sl_book:>10,.2f} {ddb:>13,.2f} {ddb_book:>10,.2f}")
