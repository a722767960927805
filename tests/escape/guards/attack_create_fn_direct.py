# held: 1
# Layer 2 probe: dataclasses._create_fn is trusted for compile and exec by identity, on the grounds that its callers check field names are identifiers; called directly (validator off), it compiles and execs any text the user gives it (here a default-argument expression, run while _create_fn builds the function).
import dataclasses
ran = []
try:
    dataclasses._create_fn("f", ["x=ran.append('arbitrary text compiled and run')"], ["return x"], globals={"ran": ran})
except BaseException as err:
    print("HELD _create_fn", type(err).__name__)
else:
    print(f"ESCAPED _create_fn: {ran}" if ran else "HELD _create_fn")
