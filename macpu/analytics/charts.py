"""Charts as SVG layouts (pure Python): every chart is drawn from the same numbers as the table beside it.

`line_chart` draws a measure over time for several series (an LA, its neighbours, England); `bar_chart` draws one
value per group with its confidence interval. Each returns a layout the templates `analytics/line_chart.html` and
`analytics/bar_chart.html` draw; the page always shows the numbers in a table too, so nothing is only in the picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# GOV.UK Design System colours: the highlighted series, the comparison, then the rest in grey.
HIGHLIGHT = "#1d70b8"
COMPARISON = "#d4351c"
OTHER = "#b1b4b6"
TEXT = "#0b0c0c"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per x label; None where the figure is missing or suppressed
    emphasis: str = "other"  # "highlight", "comparison" or "other"


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    width: float
    dashed: bool
    paths: list[str]  # an SVG path for each run of years with a value (a missing year breaks the line)
    points: list[tuple[float, float]]


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    y_label: str

    @property
    def key(self) -> list[Line]:
        """The series drawn in colour, highlighted first: the chart's caption names them."""
        return [line for line in reversed(self.lines) if line.colour != OTHER]

    @property
    def grey_lines(self) -> bool:
        return any(line.colour == OTHER for line in self.lines)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers spanning low to high, as a person would label an axis."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    t = first
    while t <= high + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _label(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str = "",
    width: int = 640,
    height: int = 320,
    from_zero: bool = True,
) -> LineChart:
    left, right, top, bottom = 60, width - 20, 20, height - 40
    values = [v for s in series for v in s.values if v is not None]
    low = 0.0 if from_zero or not values else min(values)
    high = max(values) if values else 1.0
    y_ticks = nice_ticks(low, high)
    y_min, y_max = y_ticks[0], y_ticks[-1]

    def x(i: int) -> float:
        return round(left + (right - left) * (i / max(len(x_labels) - 1, 1)), 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * (v - y_min) / (y_max - y_min), 1)

    # Grey lines first, so the highlighted ones are drawn on top.
    order = {"other": 0, "comparison": 1, "highlight": 2}
    lines = []
    for s in sorted(series, key=lambda s: order[s.emphasis]):
        paths, run, points = [], [], []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    paths.append(run)
                run = []
                continue
            run.append((x(i), y(v)))
            points.append((x(i), y(v)))
        if run:
            paths.append(run)
        colour = {"highlight": HIGHLIGHT, "comparison": COMPARISON}.get(s.emphasis, OTHER)
        lines.append(
            Line(
                name=s.name,
                colour=colour,
                width=3 if s.emphasis == "highlight" else 2,
                dashed=s.emphasis == "comparison",
                paths=["M" + " L".join(f"{px},{py}" for px, py in run) for run in paths],
                points=points,
            )
        )
    return LineChart(
        title=title,
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        lines=lines,
        x_ticks=[Tick(x(i), label) for i, label in enumerate(x_labels)],
        y_ticks=[Tick(y(t), _label(t)) for t in y_ticks],
        y_label=y_label,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    x: float
    width: float
    low_x: float | None  # the confidence interval's ends, where there is one
    high_x: float | None
    colour: str


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    axis_y: int
    bars: list[Bar]
    ticks: list[Tick]
    row_height: int


@dataclass(frozen=True)
class BarValue:
    label: str
    value: float | None  # None: suppressed or no data, drawn as no bar
    low: float | None = None
    high: float | None = None
    highlight: bool = False


def bar_chart(
    title: str,
    rows: Sequence[BarValue],
    *,
    percent: bool = False,
    width: int = 640,
    row_height: int = 28,
) -> BarChart:
    # Room for the longest label (about 7 units a character at the labels' size), and at least 250 for the bars.
    label_width = min(max(120, 7 * max((len(r.label) for r in rows), default=0)), width - 70 - 260)
    plot_left, plot_right = label_width + 10, width - 70
    ends = [v for r in rows for v in (r.value, r.high) if v is not None]
    ticks = nice_ticks(0.0, max(ends) if ends else 1.0, count=4)
    top = ticks[-1]

    def x(v: float) -> float:
        return round(plot_left + (plot_right - plot_left) * v / top, 1)

    def text(v: float | None) -> str:
        if v is None:
            return "Not shown"
        return f"{v * 100:.0f}%" if percent else _label(v)

    bars = []
    for i, r in enumerate(rows):
        bars.append(
            Bar(
                label=r.label,
                value_text=text(r.value),
                y=10 + i * row_height,
                x=plot_left,
                width=round(x(r.value) - plot_left, 1) if r.value is not None else 0.0,
                low_x=x(r.low) if r.low is not None and r.value is not None else None,
                high_x=x(r.high) if r.high is not None and r.value is not None else None,
                colour=HIGHLIGHT if r.highlight or len(rows) == 1 else "#5694ca",
            )
        )
    axis_y = 10 + len(rows) * row_height
    return BarChart(
        title=title,
        width=width,
        height=axis_y + 30,
        plot_left=plot_left,
        plot_right=plot_right,
        axis_y=axis_y,
        bars=bars,
        ticks=[Tick(x(t), f"{t * 100:.0f}%" if percent else _label(t)) for t in ticks],
        row_height=row_height,
    )
