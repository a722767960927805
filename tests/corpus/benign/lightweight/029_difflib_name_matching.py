# Question: Match messy vendor names from invoices to our canonical vendor list.
import difflib

canonical = ["Amazon Web Services", "Microsoft Corporation", "Google Cloud", "Salesforce", "Oracle America", "Zoom Video"]
invoice_names = ["amazon web svcs", "Microsft Corp", "google clod", "SalesForce Inc", "Zoom", "Unknown Vendor LLC"]

lookup = {name.lower(): name for name in canonical}
for raw in invoice_names:
    matches = difflib.get_close_matches(raw.lower(), lookup.keys(), n=1, cutoff=0.5)
    if matches:
        ratio = difflib.SequenceMatcher(None, raw.lower(), matches[0]).ratio()
        print(f"{raw:<20} -> {lookup[matches[0]]:<22} (similarity {ratio:.2f})")
    else:
        print(f"{raw:<20} -> no match, needs review")
