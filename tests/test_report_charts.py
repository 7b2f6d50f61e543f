"""Report charts: round axis ticks, full names, and the size they are drawn at."""

from __future__ import annotations

import re
from decimal import Decimal

from extranet.reports.charts import bar_chart, line_chart, nice_ticks


def test_ticks_are_round_steps_of_one_two_or_five():
    assert nice_ticks(Decimal("20.75")) == [0, 5, 10, 15, 20, 25]
    assert nice_ticks(1200) == [0, 500, 1000, 1500]
    assert nice_ticks(900) == [0, 200, 400, 600, 800, 1000]
    assert nice_ticks(Decimal("0.8")) == [0, Decimal("0.2"), Decimal("0.4"), Decimal("0.6"), Decimal("0.8")]
    assert nice_ticks(3, whole=True) == [0, 1, 2, 3]
    assert nice_ticks(1, whole=True) == [0, 1]
    assert nice_ticks(0) == [0, 1]
    for top in (7, 13, 99, 101, 3456, Decimal("12.5")):
        ticks = nice_ticks(top)
        step = ticks[1] - ticks[0]
        assert ticks[-1] >= top and ticks[-2] < top
        assert step / Decimal(10) ** step.adjusted() in (1, 2, 5), (top, step)


def _texts(svg) -> list[str]:
    return re.findall(r"<text[^>]*>(?:<title>[^<]*</title>)?([^<]*)</text>", str(svg))


def test_bar_labels_are_whole_and_readable():
    name = "Coopérative de services partagés du Bas-Saint-Laurent"  # 52 characters
    svg = str(bar_chart("c", "Title", "Desc", [name, "B"], [("2025", [Decimal("17.5"), 3])],
                        str, "Hours", "Organization"))
    assert f"<title>{name}</title>" in svg  # the tooltip, and the data table, keep it whole
    assert "Coopérative de services partagés du Bas-Saint-L" in svg
    assert 'viewBox="0 0 960 ' in svg
    assert not re.search(r'font-size="(?:[0-9]|1[0-2])"', svg)  # nothing under 13 px at full width
    assert [t for t in _texts(svg) if t in {"0", "5", "10", "15", "20"}] == ["0", "5", "10", "15", "20"]


def test_line_chart_ticks_are_round():
    svg = line_chart("m", "T", "D", ["Jan", "Feb", "Mar"], [("2025", [Decimal("3.2"), Decimal("7.9"), 0])],
                     str, "Hours", "Month")
    assert [t for t in _texts(svg) if t.replace(".", "").isdigit()][:5] == ["0", "2", "4", "6", "8"]
