#!/usr/bin/env python3
"""Counts the pixels of given colours in a PNG screenshot (8-bit RGB or RGBA, not interlaced).

    pngcolors.py FILE.png RRGGBB [RRGGBB ...]

Prints one JSON object: {"width": W, "height": H, "counts": {"RRGGBB": n, ...}}. A pixel counts
for a colour when each channel is within 6 of it. Standard library only (zlib), so the report
test needs nothing beyond python3 and chromium.
"""
import json
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise SystemExit(f"{path}: depth {depth}, colour type {colour}, interlace {interlace} not handled")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def main():
    path, colours = sys.argv[1], sys.argv[2:]
    width, height, channels, rows = read_png(path)
    targets = {c: tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in colours}
    counts = {c: 0 for c in colours}
    for line in rows:
        for x in range(0, len(line), channels):
            r, g, b = line[x], line[x + 1], line[x + 2]
            for name, (tr, tg, tb) in targets.items():
                if abs(r - tr) <= 6 and abs(g - tg) <= 6 and abs(b - tb) <= 6:
                    counts[name] += 1
    print(json.dumps({"width": width, "height": height, "counts": counts}))


if __name__ == "__main__":
    main()
