#!/usr/bin/env python3
"""Turn a terminal screen captured with colours (`tmux capture-pane -e -p`) into an SVG.

Reads the ANSI text on stdin (or a file), writes the SVG on stdout. Understands what
ratatui and tmux emit: SGR bold, dim, italic, underline, reverse, the 16 colours,
256-colour indices and 24-bit colours. One monospace cell per character (two for wide
ones); each run of text is pinned to its cells with textLength, so a fallback font for
box-drawing or block glyphs cannot push the columns out of line.
"""

import re
import sys
import unicodedata
from xml.sax.saxutils import escape

FG, BG = "#d4d4d4", "#1e1e1e"
# VS Code's terminal palette: normal 0-7, bright 8-15.
PALETTE16 = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
]
CELL_W, CELL_H, FONT_SIZE, PAD = 8.4, 17, 14, 12


def colour256(n):
    if n < 16:
        return PALETTE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
        return f"#{r:02x}{g:02x}{b:02x}"
    level = 8 + 10 * (n - 232)
    return f"#{level:02x}{level:02x}{level:02x}"


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse)

    def apply(self, params):
        codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = PALETTE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = PALETTE16[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = PALETTE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = PALETTE16[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = colour256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour = "#%02x%02x%02x" % tuple(codes[i + 2 : i + 5])
                    i += 4
                else:
                    colour = None
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1


SGR = re.compile(r"\x1b\[([0-9;]*)m")
OTHER_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][0-9A-Za-z])")


def cells(text):
    """Each screen line as a list of (char, width, style key); style persists across lines."""
    style = Style()
    lines = []
    for raw in text.split("\n"):
        line = []
        pos = 0
        for m in SGR.finditer(raw):
            line += chunk(OTHER_ESCAPE.sub("", raw[pos : m.start()]), style)
            style.apply(m.group(1))
            pos = m.end()
        line += chunk(OTHER_ESCAPE.sub("", raw[pos:]), style)
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def chunk(text, style):
    key = style.key()
    out = []
    for ch in text:
        if unicodedata.combining(ch) and out:
            out[-1] = (out[-1][0] + ch, out[-1][1], key)
            continue
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        out.append((ch, 2 if wide else 1, key))
    return out


def colours(key):
    fg, bg, bold, dim, italic, underline, reverse = key
    fg, bg = fg or FG, bg
    if reverse:
        fg, bg = (bg or BG), fg
    return fg, bg


def render(lines, columns):
    rows = len(lines)
    width = PAD * 2 + columns * CELL_W
    height = PAD * 2 + rows * CELL_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="\'DejaVu Sans Mono\', \'Cascadia Mono\', '
        f'Menlo, Consolas, monospace" font-size="{FONT_SIZE}">',
        f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>',
    ]
    texts = []
    for row, line in enumerate(lines):
        y_top = PAD + row * CELL_H
        baseline = y_top + CELL_H * 0.78
        col = 0
        runs = []
        for ch, w, key in line:
            if runs and runs[-1][2] == key:
                runs[-1][1].append(ch)
                runs[-1][3] += w
            else:
                runs.append([col, [ch], key, w])
            col += w
        for start, chars, key, span in runs:
            fg, bg = colours(key)
            x = PAD + start * CELL_W
            if bg:
                out.append(
                    f'<rect x="{x:.1f}" y="{y_top}" width="{span * CELL_W:.1f}" height="{CELL_H}" fill="{bg}"/>'
                )
            text = "".join(chars)
            if not text.strip():
                continue
            _, _, bold, dim, italic, underline, _ = key
            attrs = [f'x="{x:.1f}"', f'y="{baseline:.1f}"', f'fill="{fg}"']
            if bold:
                attrs.append('font-weight="bold"')
            if dim:
                attrs.append('opacity="0.6"')
            if italic:
                attrs.append('font-style="italic"')
            if underline:
                attrs.append('text-decoration="underline"')
            attrs.append(f'textLength="{span * CELL_W:.1f}" lengthAdjust="spacingAndGlyphs"')
            texts.append(f'<text {" ".join(attrs)}>{escape(text)}</text>')
    out.append('<g xml:space="preserve">')
    out += texts
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def main():
    text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    lines = cells(text)
    columns = max((sum(w for _, w, _ in line) for line in lines), default=0)
    sys.stdout.write(render(lines, columns))


if __name__ == "__main__":
    main()
