# Question: Which report permissions does each role have, and who can export data?
from enum import Flag, auto


class Perm(Flag):
    VIEW = auto()
    COMMENT = auto()
    EDIT = auto()
    EXPORT = auto()
    ADMIN = auto()
    EDITOR = VIEW | COMMENT | EDIT


roles = {
    "viewer": Perm.VIEW,
    "reviewer": Perm.VIEW | Perm.COMMENT,
    "editor": Perm.EDITOR,
    "analyst": Perm.VIEW | Perm.EXPORT,
    "owner": Perm.EDITOR | Perm.EXPORT | Perm.ADMIN,
}

for role, perms in roles.items():
    names = [p.name for p in Perm if p in perms and p.name != "EDITOR"]
    print(f"{role:<9} value={perms.value:>2}  {', '.join(names)}")

print("Can export:", [r for r, p in roles.items() if Perm.EXPORT in p])
print("Editor includes EDIT:", bool(roles["editor"] & Perm.EDIT))
