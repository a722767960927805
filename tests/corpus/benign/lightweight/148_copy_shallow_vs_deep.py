# Question: Create a price list for a new season from last season's, without corrupting the original.
import copy

last_season = {
    "name": "Spring 2024",
    "categories": {
        "shoes": [{"sku": "S1", "price": 80.0}, {"sku": "S2", "price": 95.0}],
        "bags": [{"sku": "B1", "price": 120.0}],
    },
}

shallow = copy.copy(last_season)
shallow["name"] = "Summer 2024 (shallow)"
deep = copy.deepcopy(last_season)
deep["name"] = "Summer 2024"
for items in deep["categories"].values():
    for item in items:
        item["price"] = round(item["price"] * 1.05, 2)

print("Original name:", last_season["name"])
print("Original S1 price:", last_season["categories"]["shoes"][0]["price"])
print("Deep-copied S1 price:", deep["categories"]["shoes"][0]["price"])
print("Shallow copy shares categories:", shallow["categories"] is last_season["categories"])
print("Deep copy shares categories:", deep["categories"] is last_season["categories"])
