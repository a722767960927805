# Question: Print a legacy-style fixed-width report of warehouse utilisation with %-formatting.
warehouses = [("Leeds", 12000, 9875), ("Bristol", 8000, 7990), ("Glasgow", 15000, 6120), ("Cardiff", 5000, 4100)]

print("%-10s %8s %8s %7s" % ("Site", "Capacity", "Used", "Util"))
for name, capacity, used in warehouses:
    util = used / capacity * 100
    flag = " !" if util > 95 else ""
    print("%-10s %8d %8d %6.1f%%%s" % (name, capacity, used, util, flag))
total_cap = sum(w[1] for w in warehouses)
total_used = sum(w[2] for w in warehouses)
print("%(sites)d sites, overall utilisation %(util).2f%%" % {"sites": len(warehouses), "util": total_used / total_cap * 100})
