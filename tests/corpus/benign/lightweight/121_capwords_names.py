# Question: Clean up the capitalization of customer names and cities imported from a legacy system.
import string

records = ["JOHN o'REILLY|new york", "mary-ann SMITH|san francisco", "  li WEI |hong kong", "ÉMILE zola|paris"]

for rec in records:
    name, city = (part.strip() for part in rec.split("|"))
    nice_name = "-".join(string.capwords(piece) for piece in name.split("-"))
    nice_name = nice_name.replace("O'r", "O'R")
    print(f"{name!r:<22} -> {nice_name:<16} | {string.capwords(city)}")
print("title() vs capwords():", "o'reilly's data".title(), "/", string.capwords("o'reilly's data"))
