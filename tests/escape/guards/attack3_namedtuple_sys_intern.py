# held: 1
# validator OFF: namedtuple's trusted eval() site is guarded by "collections.eval unchanged",
# but the field names reach the evaluated text through collections._sys.intern, *after* the
# identifier checks. Rebinding collections._sys puts any text into the trusted eval():
# the audit hook allows compile+exec of text user code chose.
import collections
class Sink:
    log = []
real_sys = collections._sys
TEXT = {
    "a": "a=[c.log.append('ran inside the trusted eval()') for c in ().__class__.__base__"
         ".__subclasses__() if c.__name__ == 'Sink'], b=\"",
    "c": "c=0: ((0",
}
class FakeSys:
    def intern(self, s):
        return TEXT.get(s, s)
collections._sys = FakeSys()
try:
    P = collections.namedtuple("P", ["a", "c"])
except Exception as e:
    print("refused:", type(e).__name__)
finally:
    collections._sys = real_sys
print('ESCAPED namedtuple eval ran user text' if Sink.log else 'HELD namedtuple eval')
