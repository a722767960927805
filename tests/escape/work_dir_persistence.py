# what: leaving files for the next execution in the work folder (run twice in a row)
# expect: ok
import os
print("cwd", os.getcwd(), flush=True)
found = sorted(os.listdir("/work"))
if found:
    print("ESCAPED the work folder already holds", found[:20], flush=True)
else:
    print("blocked the work folder starts empty", flush=True)
with open("/work/marker_from_previous_run", "w") as f:
    f.write("left by an earlier execution\n")
os.makedirs("/work/.hidden_dir/nested", exist_ok=True)
with open("/work/.hidden_dir/nested/marker", "w") as f:
    f.write("x")
os.chmod("/work/.hidden_dir", 0o000)  # make the cleanup harder
print("left markers", flush=True)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
