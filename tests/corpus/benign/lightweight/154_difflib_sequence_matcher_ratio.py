# Question: Which product descriptions in the catalogue are near-duplicates?
import difflib
from itertools import combinations

descriptions = {
    "P1": "Stainless steel water bottle, 750ml, keeps drinks cold for 24 hours",
    "P2": "Stainless steel water bottle 750 ml - keeps drinks cold 24 hours",
    "P3": "Bamboo cutting board with juice groove, large",
    "P4": "Large bamboo cutting board with a juice groove",
    "P5": "Insulated lunch bag with shoulder strap",
}

pairs = []
for (a, ta), (b, tb) in combinations(descriptions.items(), 2):
    ratio = difflib.SequenceMatcher(None, ta.lower(), tb.lower()).ratio()
    pairs.append((ratio, a, b))
for ratio, a, b in sorted(pairs, reverse=True)[:4]:
    flag = "LIKELY DUPLICATE" if ratio > 0.8 else ""
    print(f"{a}-{b}: {ratio:.3f} {flag}")
blocks = difflib.SequenceMatcher(None, descriptions["P1"], descriptions["P2"]).get_matching_blocks()
print("Matching blocks between P1 and P2:", len(blocks) - 1)
