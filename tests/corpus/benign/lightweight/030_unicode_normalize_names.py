# Question: Deduplicate customer names that differ only by accents, case or Unicode composition.
import unicodedata

names = ["José Álvarez", "Jose Alvarez", "JOSÉ ÁLVAREZ", "Zoë Müller", "Zoe Muller", "Ångström Lab", "Angstrom Lab", "Renée O'Brien"]


def fold(name):
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


groups = {}
for name in names:
    groups.setdefault(fold(name), []).append(name)

print(f"{len(names)} raw names -> {len(groups)} distinct people")
for key, variants in groups.items():
    print(f"  {key:<15} <- {variants}")
print(unicodedata.name("é"), "/", unicodedata.category("é"))
