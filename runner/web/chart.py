"""The VAT report as a bar chart drawn on the server (SVG, no script): per VAT-return box the
shop's and Exact's turnover side by side (every box has one; 3a and 3b have no VAT), each
bar's title giving its VAT too, so a box that differs stands out at a glance."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD, BAR = 640, 240, 40, 14


def boxes_svg(boxes: list[dict]) -> Markup:
    """Bars of the net per box: shop (dark) beside Exact (light); a differing box's label in red."""
    shown = [b for b in boxes if b["shop_vat"] or b["exact_vat"] or b["shop_net"] or b["exact_net"]] or boxes
    top = max([abs(Decimal(b[k])) for b in shown for k in ("shop_net", "exact_net")] + [Decimal(1)])
    slot = (WIDTH - 2 * PAD) / max(len(shown), 1)
    base = HEIGHT - PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
        f'aria-label="net per VAT-return box, shop against Exact">',
        f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#888"/>',
    ]
    for n, b in enumerate(shown):
        x = PAD + n * slot + slot / 2 - BAR
        for k, (side, colour) in enumerate((("shop", "#1d4e89"), ("exact", "#7fb3e6"))):
            value, vat = Decimal(b[f"{side}_net"]), Decimal(b[f"{side}_vat"])
            h = float(abs(value) / top) * (HEIGHT - 2 * PAD)
            parts.append(
                f'<rect x="{x + k * BAR:.1f}" y="{base - h:.1f}" width="{BAR - 2}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(b['box'])} {'shop' if k == 0 else 'Exact'}: net {value:.2f}, VAT {vat:.2f}</title></rect>"
            )
        differs = b["shop_vat"] != b["exact_vat"] or b["shop_net"] != b["exact_net"]
        colour = "#b00020" if differs else "#222"
        parts.append(f'<text x="{x + BAR:.1f}" y="{base + 16}" text-anchor="middle" font-size="12" fill="{colour}">{escape(b["box"])}</text>')
    parts.append(f'<text x="{PAD}" y="16" font-size="12" fill="#1d4e89">■ shop (net)</text>')
    parts.append(f'<text x="{PAD + 90}" y="16" font-size="12" fill="#7fb3e6">■ Exact</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
