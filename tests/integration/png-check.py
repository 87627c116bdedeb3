#!/usr/bin/env python3
"""tests/integration/png-check.py FILE [RGB...]: checks that FILE is a
valid PNG (signature, chunk CRCs, IHDR, IDAT that inflates to exactly the
image's scanlines) and prints "WIDTHxHEIGHT colours=N" and, for each RGB
given as rrggbb, "rrggbb=N": how many pixels have that colour (within 40
per channel).  Exits 1 with a message if the file is not a valid 8-bit
RGB/RGBA PNG."""

import struct
import sys
import zlib


def fail(msg):
    print("png-check: %s" % msg, file=sys.stderr)
    sys.exit(1)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("no PNG signature")
    pos, idat, ihdr, seen_end = 8, b"", None, False
    while pos < len(data):
        if pos + 8 > len(data):
            fail("truncated chunk header")
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            fail("truncated %r chunk" % ctype)
        if zlib.crc32(ctype + body) != struct.unpack(">I", crc)[0]:
            fail("bad CRC in %r chunk" % ctype)
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"IEND":
            seen_end = True
        pos += 12 + length
    if not ihdr or not seen_end:
        fail("no IHDR or no IEND")
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail("not 8-bit RGB/RGBA non-interlaced (depth %d type %d)" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        fail("image data is %d bytes, want %d" % (len(raw), height * (stride + 1)))
    prev = bytearray(stride)
    colours = {}
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 255
            elif f != 0:
                fail("bad filter %d on row %d" % (f, y))
        for x in range(width):
            px = bytes(line[x * bpp:x * bpp + 3])
            colours[px] = colours.get(px, 0) + 1
        prev = line
    print("%dx%d colours=%d" % (width, height, len(colours)))
    for want in sys.argv[2:]:
        r, g, b = (int(want[i:i + 2], 16) for i in (0, 2, 4))
        n = sum(cnt for px, cnt in colours.items()
                if abs(px[0] - r) <= 40 and abs(px[1] - g) <= 40 and abs(px[2] - b) <= 40)
        print("%s=%d" % (want, n))


main()
