# what: output flood through print with 1 KB lines
# expect: timeout|ok|error|killed
# timeout: 2
line = "x" * 1023
while True:
    print(line)
