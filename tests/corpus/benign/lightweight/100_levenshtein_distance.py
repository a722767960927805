# Question: How far apart are these misspelled city names from the correct spellings (edit distance)?
def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


cities = ["Amsterdam", "Barcelona", "Copenhagen", "Düsseldorf", "Edinburgh"]
typos = ["Amsterdm", "Barcelonna", "Kopenhagen", "Dusseldorf", "Edinbrugh", "Bercelona"]

for typo in typos:
    best = min(cities, key=lambda c: levenshtein(typo.lower(), c.lower()))
    print(f"{typo:<11} -> {best:<11} distance {levenshtein(typo.lower(), best.lower())}")
