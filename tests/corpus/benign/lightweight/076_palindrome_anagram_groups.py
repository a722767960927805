# Question: Group product codes that are anagrams of each other and flag palindromic codes.
from collections import defaultdict

codes = ["LISTEN", "SILENT", "ENLIST", "RACECAR", "ABBA", "BAAB", "TINSEL", "LEVEL", "STONE", "NOTES", "ONSET", "XYZ"]

groups = defaultdict(list)
for code in codes:
    groups["".join(sorted(code))].append(code)

print("Anagram groups:")
for key, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
    if len(members) > 1:
        print(f"  {key}: {', '.join(members)}")
palindromes = [c for c in codes if c == c[::-1]]
print("Palindromes:", palindromes)
print("Singletons:", sorted(m[0] for m in groups.values() if len(m) == 1))
