#!/usr/bin/env python3
"""Generate inputs/input-00.txt .. input-09.txt: one '#input:' line each.

Input k is a hand-drawn-looking digit k on a 28x28 int8 image (strokes near
127, background near -128, a grey rim in between, plus a little deterministic
noise from a fixed-seed xorshift32). No numpy. Writes into
examples/synth/inputs/ (or --out-dir DIR).
"""
import argparse
import math
import os

from xorshift import XorShift32

SEED = 0x1DA7A5E7
SIZE = 28


def ellipse(cx, cy, rx, ry, start=0.0, end=360.0, steps=24):
    pts = []
    for i in range(steps + 1):
        a = math.radians(start + (end - start) * i / steps)
        pts.append((cx + rx * math.cos(a), cy + ry * math.sin(a)))
    return pts


# Each digit: a list of polylines in pixel coordinates (x right, y down).
DIGITS = {
    0: [ellipse(14, 14, 6, 9)],
    1: [[(11, 8), (14, 5), (14, 23)], [(10, 23), (18, 23)]],
    2: [ellipse(14, 10, 6, 5, 180, 360, 12) + [(19, 13), (8, 23), (20, 23)]],
    3: [[(8, 5), (20, 5), (14, 12)], ellipse(14, 17, 6, 6, -90, 150, 16)],
    4: [[(17, 23), (17, 4), (6, 17), (22, 17)]],
    5: [[(20, 5), (9, 5), (8, 13)], ellipse(14, 17, 6, 6, -140, 150, 16)],
    6: [[(19, 5), (13, 7), (9, 13), (8, 18)], ellipse(14, 18, 6, 5)],
    7: [[(7, 5), (21, 5), (12, 23)], [(11, 14), (19, 14)]],
    8: [ellipse(14, 9, 5, 4), ellipse(14, 18.5, 6, 5)],
    9: [ellipse(14, 10, 5, 5), [(19, 10), (18, 17), (15, 23)]],
}


def seg_dist(px, py, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    qx, qy = ax + t * dx, ay + t * dy
    return math.hypot(px - qx, py - qy)


def render(digit, rng):
    values = []
    for y in range(SIZE):
        for x in range(SIZE):
            d = min(seg_dist(x, y, p[i], p[i + 1]) for p in DIGITS[digit] for i in range(len(p) - 1))
            if d <= 1.0:
                v = 127 - rng.randint(0, 15)
            elif d <= 2.0:
                v = rng.randint(-24, 24)
            else:
                v = -128 + rng.randint(0, 12)
            values.append(v)
    return values


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out-dir", default=os.path.join(here, "..", "inputs"))
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = XorShift32(SEED)
    for k in range(10):
        values = render(k, rng)
        assert len(values) == SIZE * SIZE and all(-128 <= v <= 127 for v in values)
        path = os.path.join(args.out_dir, "input-%02d.txt" % k)
        with open(path, "w", newline="\n") as f:
            f.write("#input:" + ",".join(str(v) for v in values) + "\n")


if __name__ == "__main__":
    main()
