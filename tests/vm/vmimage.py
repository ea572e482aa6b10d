"""Pictures for the vm suite: QEMU's PPM screendumps, PNG in and out (zlib only, no PIL), the
test pattern vm-pattern draws, and pixel comparison. Images are (width, height, rgb) with rgb
a bytes object of width * height * 3.
"""
import struct
import zlib


def read_ppm(path):
    """A binary PPM (P6, maxval 255), as QEMU's screendump writes it."""
    with open(path, "rb") as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while pos < len(data) and data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while end < len(data) and not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError(f"{path}: not an 8-bit P6 PPM")
    w, h = int(fields[1]), int(fields[2])
    rgb = data[pos + 1 : pos + 1 + w * h * 3]
    if len(rgb) != w * h * 3:
        raise ValueError(f"{path}: truncated PPM")
    return w, h, rgb


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(kind, line, prev, bpp):
    if kind == 0:
        return line
    out = bytearray(line)
    n = len(out)
    if kind == 1:
        for i in range(bpp, n):
            out[i] = (out[i] + out[i - bpp]) & 0xFF
    elif kind == 2:
        for i in range(n):
            out[i] = (out[i] + prev[i]) & 0xFF
    elif kind == 3:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            up_left = prev[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + _paeth(left, prev[i], up_left)) & 0xFF
    else:
        raise ValueError(f"bad PNG filter {kind}")
    return bytes(out)


def read_png(path):
    """An 8-bit RGB or RGBA PNG, not interlaced (what libpng writes by default); alpha dropped."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, w = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError(f"{path}: only 8-bit RGB(A) PNGs without interlace")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if w is None:
        raise ValueError(f"{path}: no IHDR")
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev = [], bytes(stride)
    for y in range(h):
        start = y * (stride + 1)
        line = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], prev, bpp)
        prev = line
        if bpp == 4:
            line = b"".join(line[i : i + 3] for i in range(0, stride, 4))
        rows.append(line)
    return w, h, b"".join(rows)


def write_png(path, img):
    w, h, rgb = img
    raw = b"".join(b"\0" + rgb[y * w * 3 : (y + 1) * w * 3] for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF
        )

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


def _rgb(v):
    return bytes(((v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF))


BARS = [0xFFFFFF, 0xFFFF00, 0x00FFFF, 0x00FF00, 0xFF00FF, 0xFF0000, 0x0000FF, 0x000000]


def pattern(w, h, spec):
    """What vm-pattern's SPEC says the screen shows: "P" (vm_pattern.c's pattern_pixel()), then
    "R:x,y,w,h,rrggbb" fills in order."""
    bars = b"".join(_rgb(BARS[x * 8 // w]) for x in range(w))
    ramp = b"".join(_rgb((g << 16) | (g << 8) | g) for g in (x * 255 // (w - 1) for x in range(w)))
    white, black = _rgb(0xFFFFFF), _rgb(0)
    checks = [
        b"".join(white if ((x // 16 + k) & 1) else black for x in range(w)) for k in (0, 1)
    ]
    rows = []
    for y in range(h):
        if y < h // 2:
            rows.append(bars)
        elif h * 3 // 4 <= y < h * 3 // 4 + 32:
            rows.append(ramp)
        else:
            rows.append(checks[(y // 16) & 1])
    out = bytearray(b"".join(rows))
    for item in spec:
        if item == "P":
            continue
        if not item.startswith("R:"):
            raise ValueError(f"bad pattern item {item!r}")
        x, y, rw, rh, colour = item[2:].split(",")
        x, y, rw, rh = int(x), int(y), int(rw), int(rh)
        px = _rgb(int(colour, 16)) * rw
        for row in range(max(y, 0), min(y + rh, h)):
            out[(row * w + x) * 3 : (row * w + x + rw) * 3] = px
    return w, h, bytes(out)


def compare(actual, expected):
    """None when equal, else (mismatched pixels, (x1, y1, x2, y2) bounding box, diff image)."""
    aw, ah, a = actual
    ew, eh, e = expected
    if (aw, ah) != (ew, eh):
        return (aw * ah, (0, 0, aw, ah), None)
    if a == e:
        return None
    count, x1, y1, x2, y2 = 0, aw, ah, 0, 0
    diff = bytearray(len(a))
    row_bytes = aw * 3
    for y in range(ah):
        ra, re_ = a[y * row_bytes : (y + 1) * row_bytes], e[y * row_bytes : (y + 1) * row_bytes]
        if ra == re_:
            continue
        for x in range(aw):
            i = x * 3
            if ra[i : i + 3] != re_[i : i + 3]:
                count += 1
                x1, y1, x2, y2 = min(x1, x), min(y1, y), max(x2, x + 1), max(y2, y + 1)
                diff[y * row_bytes + i] = 0xFF
    return (count, (x1, y1, x2, y2), (aw, ah, bytes(diff)))
