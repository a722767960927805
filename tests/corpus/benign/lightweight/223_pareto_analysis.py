# Question: Which complaint categories account for 80% of all complaints (Pareto analysis)?
complaints = {"Late delivery": 412, "Damaged item": 188, "Wrong item": 131, "Billing error": 97, "Rude staff": 41,
              "Website bug": 66, "Missing parts": 54, "Other": 23}

total = sum(complaints.values())
cumulative = 0
print(f"{'Category':<15}{'Count':>6}{'Share':>8}{'Cum.':>8}")
vital_few = []
for category, count in sorted(complaints.items(), key=lambda kv: kv[1], reverse=True):
    before = cumulative
    cumulative += count
    if before / total < 0.8:
        vital_few.append(category)
    print(f"{category:<15}{count:>6}{count / total:>8.1%}{cumulative / total:>8.1%}")
print(f"{len(vital_few)} of {len(complaints)} categories cover 80%: {', '.join(vital_few)}")
