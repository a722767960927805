# Question: Decode the header of a (synthetic) binary export file describing a data batch.
import struct
import zlib

MAGIC = b"RPT1"
header_fmt = ">4sHHIQd"  # magic, version, flags, record count, batch id, scale
header = struct.pack(header_fmt, MAGIC, 3, 0b101, 125_000, 9_007_199_254_740_993, 0.01)
body = b"\x00\x01" * 10

magic, version, flags, count, batch_id, scale = struct.unpack_from(header_fmt, header)
print(f"magic={magic.decode()} version={version} records={count:,} batch={batch_id} scale={scale}")
print("flags:", {name: bool(flags & bit) for name, bit in [("compressed", 1), ("encrypted", 2), ("has_index", 4)]})
print(f"header size {struct.calcsize(header_fmt)} bytes; crc32 of body {zlib.crc32(body):08x}")
print("hex:", header.hex(" ", 4))
