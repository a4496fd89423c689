"""The arrivals chart: geometry for an inline SVG drawn on the server (no script needed).

Two panels share the time axis: above, how many delegates (all, and official ones) are present
so far against the quorum line; below, how many arrived in each short interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from conference.attendance.service import bucket_start
from conference.dates import to_local

# Small enough that its 13-unit text stays readable when a phone shrinks it to ~370 pixels.
WIDTH, HEIGHT = 480, 252
LEFT, RIGHT = 40, 14
TOP, CUMULATIVE_BOTTOM = 12, 140  # the upper panel
BARS_TOP, BARS_BOTTOM = 160, 222  # the lower panel
AXIS_LABEL_Y = 242
BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440)  # minutes
TICKS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)  # minutes
MAX_BUCKETS = 48
MAX_TICKS = 6


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str  # "08:05–08:10"


@dataclass
class Chart:
    empty: bool = True
    width: int = WIDTH
    height: int = HEIGHT
    bucket_minutes: int = 5
    present_path: str = ""  # everybody present so far
    official_path: str = ""  # delegates who count for the quorum
    required_y: float | None = None
    required: int = 0
    bars: list[Bar] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    bar_max: int = 0
    first: str = ""
    last: str = ""
    total: int = 0
    official: int = 0
    peak: Bar | None = None
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    cumulative_bottom: int = CUMULATIVE_BOTTOM
    bars_top: int = BARS_TOP
    bars_bottom: int = BARS_BOTTOM
    axis_label_y: int = AXIS_LABEL_Y


def _pick(choices: tuple[int, ...], span_minutes: float, most: int) -> int:
    return next((c for c in choices if span_minutes / c <= most), choices[-1])


def _nice_ceiling(value: int) -> int:
    """An even round number at least `value` for the top of the axis (4, 8, 20, 150 ...), so
    the middle line has a whole number too."""
    for step in (2, 10, 20, 50, 100, 200, 500, 1000):
        if value <= step * 6:
            return max(step, -(-value // step) * step)
    return value


def arrivals_chart(arrivals: list[tuple[datetime, bool]], tz: str, required: int) -> Chart:
    """Lay out the chart of `arrivals` ((time, counts for quorum), oldest first) in `tz`."""
    if not arrivals:
        return Chart(required=required)
    first, last = arrivals[0][0], arrivals[-1][0]
    bucket = _pick(BUCKETS, (last - first).total_seconds() / 60, MAX_BUCKETS)
    width = timedelta(minutes=bucket)
    start = bucket_start(first, width)
    end = max(bucket_start(last, width) + width, start + 6 * width)
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        return round(LEFT + (at - start).total_seconds() / span * (WIDTH - RIGHT - LEFT), 1)

    total, official = len(arrivals), sum(1 for _at, counts in arrivals if counts)
    top = _nice_ceiling(max(total, required, 1))

    def y(count: int) -> float:
        return round(CUMULATIVE_BOTTOM - count / top * (CUMULATIVE_BOTTOM - TOP), 1)

    chart = Chart(empty=False, bucket_minutes=bucket, required=required, total=total,
                  official=official)
    chart.present_path = _step_path([at for at, _counts in arrivals], x, y, x(end))
    chart.official_path = _step_path([at for at, counts in arrivals if counts], x, y, x(end))
    chart.required_y = y(required) if required else None
    chart.y_ticks = [(y(value), value) for value in (0, top // 2, top)]

    counts: dict[datetime, int] = {}
    for at, _counts in arrivals:
        key = bucket_start(at, width)
        counts[key] = counts.get(key, 0) + 1
    chart.bar_max = max(counts.values())
    slot = (WIDTH - RIGHT - LEFT) * width.total_seconds() / span
    for key, count in sorted(counts.items()):
        height = round(count / chart.bar_max * (BARS_BOTTOM - BARS_TOP), 1)
        label = (f"{to_local(key, tz):%H:%M}–{to_local(key + width, tz):%H:%M}")
        chart.bars.append(Bar(x=x(key) + 0.5, y=BARS_BOTTOM - height,
                              width=round(max(slot - 1, 1), 1), height=height, count=count,
                              label=label))
    chart.peak = max(chart.bars, key=lambda bar: bar.count)
    chart.x_ticks = _x_ticks(start, end, tz, x)
    chart.first = f"{to_local(first, tz):%H:%M}"
    chart.last = f"{to_local(last, tz):%H:%M}"
    return chart


def _step_path(times: list[datetime], x, y, x_end: float) -> str:
    """An SVG path that climbs one step at each arrival and runs on to the right edge."""
    if not times:
        return ""
    parts = [f"M{LEFT} {y(0)}"]
    for count, at in enumerate(times, start=1):
        parts.append(f"H{x(at)}V{y(count)}")
    parts.append(f"H{x_end}")
    return "".join(parts)


def _x_ticks(start: datetime, end: datetime, tz: str, x) -> list[tuple[float, str]]:
    """Round local times along the axis; the date is added when the span crosses midnight."""
    span_minutes = (end - start).total_seconds() / 60
    step = timedelta(minutes=_pick(TICKS, span_minutes, MAX_TICKS - 1))
    local_start = to_local(start, tz)
    # Align to the step in local time: 08:00, 08:30 ... rather than 01:00 UTC multiples.
    offset = local_start.utcoffset() or timedelta(0)
    tick = bucket_start(start + offset, step) - offset
    if tick < start:
        tick += step
    several_days = to_local(start, tz).date() != to_local(end, tz).date()
    ticks = []
    while tick <= end:
        local = to_local(tick, tz)
        ticks.append((x(tick), f"{local:%d/%m %H:%M}" if several_days else f"{local:%H:%M}"))
        tick += step
    return ticks
