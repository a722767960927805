# Question: Generate short invoice reminder messages for customers with overdue balances.
from string import Template

reminder = Template(
    "Dear $name,\n"
    "Invoice $invoice for $$${amount} was due on $due. It is now $days days overdue.\n"
)
customers = [
    {"name": "Acme Corp", "invoice": "INV-2041", "amount": "1,250.00", "due": "2024-02-15", "days": 21},
    {"name": "Globex", "invoice": "INV-2057", "amount": "480.50", "due": "2024-02-28", "days": 8},
]

for c in customers:
    print(reminder.substitute(c))

partial = Template("Hello $name, your account manager is $manager.")
print(partial.safe_substitute(name="Initech"))
