# Question: Inspect a deeply nested API response about a customer's subscriptions.
import pprint

response = {
    "customer": {"id": "cus_8841", "name": "Northwind Traders", "segment": "enterprise"},
    "subscriptions": [
        {"plan": "analytics-pro", "seats": 25, "addons": [{"name": "sso", "price": 200}, {"name": "audit-log", "price": 150}]},
        {"plan": "storage-1tb", "seats": 1, "addons": []},
    ],
    "billing": {"currency": "USD", "cycle": "annual", "next_invoice": {"date": "2024-11-01", "amount": 18450.0}},
}

printer = pprint.PrettyPrinter(indent=2, width=60, depth=3)
printer.pprint(response)
print("-" * 40)
pprint.pp(response["billing"], width=40)
print("Is readable:", pprint.isreadable(response))
