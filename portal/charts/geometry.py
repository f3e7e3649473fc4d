"""Map geometry shared by the app's maps and the briefing pack's: bent lines kept apart, close points spread."""

from __future__ import annotations

import math


def bend(rank: int) -> float:
    """How far the rank-th line between the same two places bends, as a share of its length: alternate sides,
    then further out (0.18, -0.18, 0.28, -0.28...), so parallel lines never lie on top of each other."""
    return (0.18 + 0.1 * (rank // 2)) * (-1) ** rank


def control_point(start: tuple[float, float], end: tuple[float, float], share: float) -> tuple[float, float] | None:
    """The control point of a quadratic curve from `start` to `end` bent sideways by `share` of its length
    (None when the two ends coincide)."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1)
    if length < 1e-9:
        return None
    offset = share * length
    return (x1 + x2) / 2 - (y2 - y1) / length * offset, (y1 + y2) / 2 + (x2 - x1) / length * offset


def curve(start: tuple[float, float], end: tuple[float, float], share: float, steps: int = 8) -> list[tuple[float, float]]:
    """Points along the bent line from `start` to `end` (a quadratic Bézier through control_point)."""
    control = control_point(start, end, share)
    if control is None:
        return [start, end]
    points = []
    for step in range(steps + 1):
        u = step / steps
        points.append(tuple((1 - u) ** 2 * a + 2 * (1 - u) * u * c + u ** 2 * b
                            for a, c, b in zip(start, control, end)))
    return points


def clusters(points: dict[str, tuple[float, float]], reach: float) -> list[tuple[tuple[float, float], list[str]]]:
    """Points grouped with the first earlier point within `reach` (they would be drawn on top of each other)."""
    groups: list[tuple[tuple[float, float], list[str]]] = []
    for key, (x, y) in points.items():
        group = next((g for g in groups if math.hypot(g[0][0] - x, g[0][1] - y) <= reach), None)
        if group:
            group[1].append(key)
        else:
            groups.append(((x, y), [key]))
    return groups


def spread(points: dict[str, tuple[float, float]], reach: float, radius: float) -> dict[str, tuple[float, float]]:
    """Points within `reach` of each other moved onto a small ring of `radius` around the first, in order, so
    each stays visible and clickable; lone points stay where they are."""
    placed = {}
    for (x, y), members in clusters(points, reach):
        if len(members) == 1:
            placed[members[0]] = points[members[0]]
            continue
        for rank, key in enumerate(members):
            angle = math.pi / 2 + 2 * math.pi * rank / len(members)
            placed[key] = (x + radius * math.cos(angle), y + radius * math.sin(angle))
    return placed


def labelled(points: dict[str, tuple[float, float]], weights: dict[str, float], limit: int, gap: float,
             frame: tuple[float, float], extents: dict[str, tuple[float, float]] | None = None) -> dict[str, str]:
    """Which points carry a label on the map, and where it goes (plotly's textposition): the heaviest first,
    skipping any within `gap` degrees of a label already placed, or whose label's box (`extents`: its width and
    height in degrees) would cross one already placed, at most `limit`. A label in the right third of the longitude
    `frame` sits on the point's left, in the left tenth on its right, else above it: a long name near an edge
    stays inside the map."""
    placed: dict[str, str] = {}
    boxes: list[tuple[float, float, float, float]] = []
    first, last = frame
    for key in sorted(points, key=lambda k: (-weights[k], k)):
        if len(placed) == limit:
            break
        x, y = points[key]
        if any(math.hypot(points[other][0] - x, points[other][1] - y) < gap for other in placed):
            continue
        share = (x - first) / (last - first) if last > first else 0.5
        position = "middle left" if share > 2 / 3 else "middle right" if share < 0.1 else "top center"
        box = _label_box(x, y, position, (extents or {}).get(key, (0.0, 0.0)))
        if any(_overlap(box, other) for other in boxes):
            continue
        placed[key] = position
        boxes.append(box)
    return placed


def _label_box(x: float, y: float, position: str, extent: tuple[float, float]) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a label of `extent` (width, height) set at `position` beside the point."""
    width, height = extent
    if position == "middle left":
        return x - width, y - height / 2, x, y + height / 2
    if position == "middle right":
        return x, y - height / 2, x + width, y + height / 2
    return x - width / 2, y, x + width / 2, y + height


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
