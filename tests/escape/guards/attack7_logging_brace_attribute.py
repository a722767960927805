# held: 2
# Layer 2 probe (fifth review): logging's `{` style formats its template with str.format, which
# walks the attributes and indexes a field names. The guards replace that formatting: a
# template may name record fields only, however the program built or handed it in.
import json
import logging

U = chr(95) * 2
template = chr(123) + "msg." + U + "globals" + U + "[" + U + "builtins" + U + "][open]}"
record = logging.makeLogRecord({"msg": json.dumps})
for style_args in ((None, "{"), ()):
    try:
        if style_args:
            text = logging.Formatter(template, *style_args).format(record)
        else:
            text = logging.Formatter(template, style="{").format(record)
        print("ESCAPED", text[:60])
    except ValueError as err:
        print("HELD", err)
plain = logging.Formatter("{levelname}:{msg}", style="{").format(logging.makeLogRecord({"msg": "fine"}))
print("plain", plain)
