# Question: Sort incidents by severity and count how many breach their response SLA.
from enum import IntEnum


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


sla_minutes = {Severity.LOW: 1440, Severity.MEDIUM: 480, Severity.HIGH: 120, Severity.CRITICAL: 30}
incidents = [("INC-1", 2, 300), ("INC-2", 4, 45), ("INC-3", 1, 2000), ("INC-4", 3, 90), ("INC-5", 4, 20), ("INC-6", 3, 150)]

breaches = 0
for ident, sev, minutes in sorted(incidents, key=lambda i: Severity(i[1]), reverse=True):
    level = Severity(sev)
    breached = minutes > sla_minutes[level]
    breaches += breached
    print(f"{ident} {level.name:<8} responded in {minutes:>4} min (SLA {sla_minutes[level]:>4}) {'BREACH' if breached else 'ok'}")
print(f"SLA breaches: {breaches}/{len(incidents)}")
print("HIGH > MEDIUM:", Severity.HIGH > Severity.MEDIUM, "| CRITICAL + 1 =", Severity.CRITICAL + 1)
