# Question: Turn report titles into URL-safe slugs, ensuring uniqueness.
import re
import unicodedata

titles = [
    "Q1 Revenue — Europe & Middle East",
    "Café Sales: Year-over-Year Growth!",
    "Q1 Revenue - Europe & Middle East",
    "  Top 10 Products (2024)  ",
    "Überblick: Kundenzufriedenheit",
]


def slugify(title):
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s_]+", "-", text)


used = {}
for title in titles:
    slug = slugify(title)
    if slug in used:
        used[slug] += 1
        slug = f"{slug}-{used[slug]}"
    else:
        used[slug] = 1
    print(f"{title.strip():<38} -> {slug}")
