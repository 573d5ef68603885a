#!/usr/bin/env bash
# Draws the Atelier icon (a T-shirt lit on a 16×16 grid of pixels, like a Fashion-MNIST image)
# as icon.svg and renders it to PNGs at 32, 64, 128 and 256 px. Rerun after changing the drawing.
set -euo pipefail
cd "$(dirname "$0")"

python3 - > icon.svg <<'PY'
# Left half of the garment, columns 0..7; the right half mirrors it.
HALF = [
    "........",
    "....###.",
    "..#####.",
    ".#######",
    "########",
    "########",
    "###.####",
    "...#####",
    "...#####",
    "...#####",
    "...#####",
    "...#####",
    "...#####",
    "...#####",
    "...#####",
    "........",
]
rows = [h + h[::-1] for h in HALF]
cell, gap, origin = 13, 2, 24
# Solid colours only (no gradients or opacity): ImageMagick's built-in SVG renderer ignores them.
BG, LIT, UNLIT = (58, 64, 168), (255, 244, 224), (255, 255, 255)


def mix(top, base, alpha):
    return "#" + "".join(f"{round(t * alpha + b * (1 - alpha)):02x}" for t, b in zip(top, base))


out = ['<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
       f'<rect x="4" y="4" width="248" height="248" rx="52" ry="52" stroke="none" fill="{mix(BG, BG, 1)}"/>']
for r, row in enumerate(rows):
    for c, ch in enumerate(row):
        x, y = origin + c * cell, origin + r * cell
        if ch == "#":
            # Shade like fabric under light: brighter top-left, a soft fold down the middle.
            shade = 1.0 - 0.009 * (r + c) - (0.08 if c in (7, 8) and r > 6 else 0.0)
            level = max(0.72, min(1.0, shade))
            out.append(f'<rect x="{x}" y="{y}" width="{cell-gap}" height="{cell-gap}" rx="2" stroke="none" '
                       f'fill="{mix(LIT, BG, level)}"/>')
        else:
            out.append(f'<rect x="{x}" y="{y}" width="{cell-gap}" height="{cell-gap}" rx="2" stroke="none" '
                       f'fill="{mix(UNLIT, BG, 0.10)}"/>')
out.append("</svg>")
print("\n".join(out))
PY

for size in 32 64 128 256; do
  /usr/bin/convert -background none -density 300 icon.svg -resize "${size}x${size}" "icon-${size}.png"
done
ls -l icon*.png
