"""Accessible charts rendered on the server as SVG (no JavaScript).

Each function returns a ``<figure>``: the SVG (``role="img"``, labelled by its ``<title>`` and
``<desc>``, with axis labels) followed by the data table, for screen readers and for anyone who
wants the exact figures. Colours and sizes are SVG presentation attributes (``fill=``), allowed
by the Content Security Policy, never ``style=`` attributes. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#1f5f8b", "#c2571a", "#2e7d32", "#6a1b9a")
TEXT = "#333333"
GRID = "#d0d0d0"

Series = Sequence[tuple[str, Sequence[Decimal | int]]]


FONT = 14  # labels, at the chart's full width (the SVG scales down with its box, not below 640 px)
SMALL = 13
CHAR = 8.2  # the mean width of a character at FONT, to size the room of the labels


def _short(label: str, limit: int = 48) -> str:
    """Long names are cut only beyond ``limit``: the full name is in the label's tooltip and in
    the data table under the chart."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def nice_ticks(maximum, count: int = 5, whole: bool = False) -> list[Decimal]:
    """Round axis ticks from 0 to at least ``maximum``: steps of 1, 2 or 5 times a power of ten,
    about ``count`` of them (whole numbers only when ``whole``: counts of requests)."""
    top = Decimal(maximum or 0)
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    rough = top / count
    power = Decimal(10) ** rough.adjusted()
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= rough)
    if whole:
        step = max(step, Decimal(1))
    ticks = [Decimal(0)]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _ticks(series: Series) -> list[Decimal]:
    values = [v for _n, vs in series for v in vs]
    return nice_ticks(max(values, default=0) or 0, whole=all(isinstance(v, int) for v in values))


def _scale(value, maximum, length: int) -> int:
    if not maximum:
        return 0
    return int(Decimal(value) * length / Decimal(maximum))


def _legend(series: Series, x: int, y: int) -> list[str]:
    parts = []
    for index, (name, _values) in enumerate(series):
        left = x + index * 200
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
            f'<text x="{left + 18}" y="{y}" font-size="{FONT}" fill="{TEXT}">{escape(_short(name, 22))}</text>'
        )
    return parts


def data_table(caption: str, labels: Sequence[str], series: Series, fmt: Callable, label_header: str) -> Markup:
    head = "".join(f'<th scope="col" class="numeric">{escape(name)}</th>' for name, _v in series)
    rows = []
    for index, label in enumerate(labels):
        cells = "".join(f'<td class="numeric">{escape(fmt(values[index]))}</td>' for _n, values in series)
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
    return Markup(  # noqa: S704 - every text inside is escaped
        f'<table class="visually-hidden chart-data"><caption>{escape(caption)}</caption>'
        f'<thead><tr><th scope="col">{escape(label_header)}</th>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>'
    )


def _figure(chart_id: str, title: str, desc: str, body: list[str], width: int, height: int,
            table: Markup) -> Markup:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )
    # Every label and value inside is escaped above; the id is ours.
    return Markup(f'<figure class="chart" id="{escape(chart_id)}">{svg}{table}</figure>')  # noqa: S704


def bar_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Series,
              fmt: Callable, value_axis: str, category_axis: str) -> Markup:
    """Horizontal bars, one group per label and one bar per series, on round ticks."""
    width, value_room = 960, 90
    longest = max((len(_short(label)) for label in labels), default=0)
    label_width = int(min(380, max(120, longest * CHAR + 16)))
    plot = width - label_width - value_room
    bar, gap = 20, 14
    legend = 30 if len(series) > 1 else 0
    top = 34 + legend
    group = bar * len(series) + gap
    height = top + group * max(1, len(labels)) + 52
    ticks = _ticks(series)
    maximum = ticks[-1]
    axis_y = top + group * max(1, len(labels)) - gap // 2
    body = [f'<text x="0" y="18" font-size="{FONT}" font-weight="bold" fill="{TEXT}">{escape(category_axis)}</text>']
    if legend:
        body += _legend(series, label_width, 48)
    for tick in ticks:
        x = label_width + _scale(tick, maximum, plot)
        body.append(
            f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{axis_y}" stroke="{GRID}"/>'
            f'<text x="{x}" y="{axis_y + 18}" font-size="{SMALL}" text-anchor="middle" fill="{TEXT}">'
            f'{escape(fmt(tick))}</text>'
        )
    for row, label in enumerate(labels):
        y = top + row * group
        body.append(
            f'<text x="{label_width - 10}" y="{y + bar * len(series) // 2 + 5}" font-size="{FONT}" '
            f'text-anchor="end" fill="{TEXT}"><title>{escape(label)}</title>{escape(_short(label))}</text>'
        )
        for index, (name, values) in enumerate(series):
            value = values[row]
            length = _scale(value, maximum, plot)
            by = y + index * bar
            body.append(
                f'<rect x="{label_width}" y="{by}" width="{length}" height="{bar - 3}" '
                f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(label)} — {escape(name)}: '
                f'{escape(fmt(value))}</title></rect>'
                f'<text x="{label_width + length + 6}" y="{by + bar - 7}" font-size="{SMALL}" fill="{TEXT}">'
                f'{escape(fmt(value))}</text>'
            )
    body.append(
        f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{axis_y}" stroke="{TEXT}"/>'
        f'<line x1="{label_width}" y1="{axis_y}" x2="{label_width + plot}" y2="{axis_y}" stroke="{TEXT}"/>'
        f'<text x="{label_width + plot // 2}" y="{axis_y + 40}" font-size="{FONT}" text-anchor="middle" '
        f'fill="{TEXT}">{escape(value_axis)}</text>'
    )
    table = data_table(title, labels, series, fmt, category_axis)
    return _figure(chart_id, title, desc, body, width, height, table)


def line_chart(chart_id: str, title: str, desc: str, labels: Sequence[str], series: Series,
               fmt: Callable, value_axis: str, category_axis: str) -> Markup:
    """One line per series over the labels (months), with a point and its value on hover."""
    left, right, plot_h = 100, 40, 280
    legend = 30 if len(series) > 1 else 0
    top = 24 + legend
    width = 960
    plot_w = width - left - right
    height = top + plot_h + 64
    ticks = _ticks(series)
    maximum = ticks[-1]
    step = plot_w // max(1, len(labels) - 1) if len(labels) > 1 else 0
    body = []
    if legend:
        body += _legend(series, left, 20)
    for value in ticks:
        y = top + plot_h - _scale(value, maximum, plot_h)
        body.append(
            f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="{GRID}"/>'
            f'<text x="{left - 8}" y="{y + 5}" font-size="{SMALL}" text-anchor="end" fill="{TEXT}">'
            f'{escape(fmt(value))}</text>'
        )
    for index, label in enumerate(labels):
        x = left + index * step
        body.append(
            f'<text x="{x}" y="{top + plot_h + 20}" font-size="{SMALL}" text-anchor="middle" fill="{TEXT}">'
            f'<title>{escape(label)}</title>{escape(_short(label, 10))}</text>'
        )
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [(left + i * step, top + plot_h - _scale(v, maximum, plot_h)) for i, v in enumerate(values)]
        body.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(f"{x},{y}" for x, y in points)}"/>'
        )
        for (x, y), label, value in zip(points, labels, values, strict=True):
            body.append(
                f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"><title>{escape(label)} — {escape(name)}: '
                f'{escape(fmt(value))}</title></circle>'
            )
    body.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{TEXT}"/>'
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{TEXT}"/>'
        f'<text x="{left + plot_w // 2}" y="{top + plot_h + 48}" font-size="{FONT}" text-anchor="middle" '
        f'fill="{TEXT}">{escape(category_axis)}</text>'
        f'<text x="16" y="{top + plot_h // 2}" font-size="{FONT}" text-anchor="middle" fill="{TEXT}" '
        f'transform="rotate(-90 16 {top + plot_h // 2})">{escape(value_axis)}</text>'
    )
    table = data_table(title, labels, series, fmt, category_axis)
    return _figure(chart_id, title, desc, body, width, height, table)
