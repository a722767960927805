# Question: Split address strings into components and count customers per city and postcode area.
import pandas as pd

addresses = pd.Series([
    "12 High Street, Leeds, LS1 4AB",
    "7 Mill Lane, York, YO1 7HH",
    "221B Baker Street, London, NW1 6XE",
    "3 Park Row, Leeds, LS1 5JL",
    "90 Queen St, London, EC4N 1SA",
    "15 Station Rd, York, YO24 1AB",
], name="address")
parts = addresses.str.extract(r"^(?P<number>\w+)\s+(?P<street>[^,]+),\s*(?P<city>[^,]+),\s*(?P<postcode>[A-Z0-9 ]+)$")
parts["area"] = parts["postcode"].str.extract(r"^([A-Z]+)")[0]
print(parts)
print()
print(parts.groupby(["city", "area"]).size().rename("customers"))
