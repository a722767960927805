# what: output flood through print with 1 KB lines
# expect: timeout|ok|error|killed
# timeout: 2
line = "x" * 1023
while True:
    print(line)
# The last act: tests require this line whenever the probe exits on its own (a probe that
# fails early must not pass for a contained one).
print("PROBE-END", flush=True)
