# A hostile program: every line is refused by the validator.
import random

random._os.system("id")
().__class__.__base__.__subclasses__()
open("/etc/passwd").read()
