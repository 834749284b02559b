"""Code 128 barcodes as SVG (order numbers on packing slips and receipts), no dependency.

Digits-only text of even length is encoded in code set C (two digits per symbol, so a
20-digit order number is 10 symbols); anything else printable in code set B. A bar module is
`module` px wide, with a quiet zone of 10 modules on each side.
"""

from __future__ import annotations

# Element widths (bar, space, bar, space, bar, space) of the 107 symbols; 106 is the stop.
PATTERNS: tuple[str, ...] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip
START_B, START_C, STOP = 104, 105, 106
QUIET = 10


def symbols(text: str) -> list[int]:
    """Start, data, check and stop symbol values for `text`."""
    if text.isdigit() and len(text) % 2 == 0:
        values = [START_C] + [int(text[i : i + 2]) for i in range(0, len(text), 2)]
    else:
        if any(not 32 <= ord(ch) <= 126 for ch in text):
            raise ValueError("Code 128 set B holds printable ASCII only")
        values = [START_B] + [ord(ch) - 32 for ch in text]
    check = (values[0] + sum(value * i for i, value in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def modules(text: str) -> list[int]:
    """The element widths in modules, bar first."""
    return [int(width) for value in symbols(text) for width in PATTERNS[value]]


def svg(text: str, *, module: float = 1.5, height: int = 48) -> str:
    """An inline SVG of the barcode (bars only; print the text under it yourself)."""
    widths = modules(text)
    x = QUIET
    bars = []
    for index, width in enumerate(widths):
        if index % 2 == 0:
            bars.append(f'<rect x="{x}" y="0" width="{width}" height="{height}"/>')
        x += width
    total = x + QUIET
    return (
        f'<svg class="barcode" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="条形码 {text}" data-barcode="{text}" viewBox="0 0 {total} {height}" '
        f'width="{total * module:g}" height="{height}" preserveAspectRatio="none">'
        f'<g fill="#000">{"".join(bars)}</g></svg>'
    )
