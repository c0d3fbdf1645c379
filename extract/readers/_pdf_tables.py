"""Ruled-table cells from ruling edges, shared by both PDF backends.

An edge is pdfplumber's dict (``orientation`` ``"h"``/``"v"``, ``x0``, ``x1``, ``top``,
``bottom``, ``width``, ``height``; top-left origin).  The cells come from the functions
pdfplumber's ``lines`` strategy runs (``merge_edges`` → ``edges_to_intersections`` →
``intersections_to_cells`` → ``cells_to_tables``) with its default tolerances, with one
difference: edges are snapped and joined **per vertical band**, not over the whole page.

pdfplumber snaps every vertical edge of a page to the mean of all vertical edges within
3 pt of it, whatever their height.  Two tables stacked on one page whose outer borders
are 1–3 pt apart (table 二 at x = 77.5 and table 三 at x = 80.6, say) then have the
borders of the second moved onto those of the first: its horizontal rules no longer
reach the moved vertical ones, the intersections are lost and with them the table's
first or last column; and an inner edge moved by up to 3 pt no longer lines up with the
same table's continuation on the next page.  A band is a maximal run of edges whose
vertical extents overlap or come within the snap tolerance of each other; tables drawn
apart fall into different bands and are snapped apart, so one table's rulings never move
another's.  Rulings of a single table (or of tables touching each other) form one band
and are treated exactly as pdfplumber treats them.

A table cut by the page edge is closed there.  A browser printing a web page (print to
PDF) lets a table run over the page break without drawing a rule where the page cuts
it: the vertical rules of the last rows run to the page's bottom edge, those of the
continuation start at the next page's top edge, and the cells there (the rows cut in
two, the merged group cells still open) have no box.  When at least two vertical rules
of a ruled band end together within the bottom (or start within the top) cut zone of the
page (its outer 15 %, margins included: the browser moves a row that does not fit to the
next page) and no horizontal rule joins them there, one is added, as the page edge
draws it.
"""

from __future__ import annotations

from operator import itemgetter

from pdfplumber.table import (
    TableSettings,
    cells_to_tables,
    edges_to_intersections,
    merge_edges,
)
from pdfplumber.utils import filter_edges

BBox = tuple[float, float, float, float]
_BBOX = itemgetter("x0", "top", "x1", "bottom")
SETTINGS = TableSettings.resolve({"vertical_strategy": "lines", "horizontal_strategy": "lines"})


CUT_ZONE = 0.15  # top/bottom share of the page where a page edge (or margin) may cut a table
_END_TOL = 2.0  # vertical rules ending within this of each other end together


def find_tables(edges: list[dict], page_height: float | None = None) -> list[list[BBox]]:
    """Cell boxes (x0, top, x1, bottom) of each ruled table drawn by ``edges``; with the
    page's height, a table cut by the page's top or bottom edge is closed there."""
    s = SETTINGS
    v = filter_edges(edges, "v", min_length=s.edge_min_length_prefilter)
    h = filter_edges(edges, "h", min_length=s.edge_min_length_prefilter)
    out: list[list[BBox]] = []
    for band in _bands(v + h, max(s.snap_y_tolerance, s.join_y_tolerance)):
        if page_height:
            band = band + _page_cuts(band, page_height)
        merged = merge_edges(
            band,
            snap_x_tolerance=s.snap_x_tolerance,
            snap_y_tolerance=s.snap_y_tolerance,
            join_x_tolerance=s.join_x_tolerance,
            join_y_tolerance=s.join_y_tolerance,
        )
        merged = filter_edges(merged, min_length=s.edge_min_length)
        inter = edges_to_intersections(merged, s.intersection_x_tolerance, s.intersection_y_tolerance)
        cells = cells_from_intersections(inter)
        out.extend([tuple(c) for c in group] for group in cells_to_tables(cells))  # type: ignore[misc]
    out.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return out


def cells_from_intersections(intersections: dict) -> list[BBox]:
    """The cells pdfplumber's ``intersections_to_cells`` finds, in its order, without its
    quadratic scans: each point's edges are turned into sets once, and the points below
    and right of a point are looked up by its x and y instead of over all points."""
    points = sorted(intersections)
    v_sets = {p: set(map(_BBOX, intersections[p]["v"])) for p in points}
    h_sets = {p: set(map(_BBOX, intersections[p]["h"])) for p in points}
    by_x: dict[float, list] = {}
    by_y: dict[float, list] = {}
    for p in points:  # sorted, so each list is in the order pdfplumber scans it
        by_x.setdefault(p[0], []).append(p)
        by_y.setdefault(p[1], []).append(p)

    def connects(a, b) -> bool:
        return (a[0] == b[0] and not v_sets[a].isdisjoint(v_sets[b])) or (
            a[1] == b[1] and not h_sets[a].isdisjoint(h_sets[b])
        )

    cells: list[BBox] = []
    for pt in points:
        below = [q for q in by_x[pt[0]] if q[1] > pt[1]]
        right = [q for q in by_y[pt[1]] if q[0] > pt[0]]
        found = None
        for b in below:
            if not connects(pt, b):
                continue
            for r in right:
                if not connects(pt, r):
                    continue
                corner = (r[0], b[1])
                if corner in intersections and connects(corner, r) and connects(corner, b):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


def _bands(edges: list[dict], tol: float) -> list[list[dict]]:
    """Edges grouped by overlapping vertical extent (gaps up to ``tol`` bridged), top down."""
    bands: list[list[dict]] = []
    bottom = float("-inf")
    for e in sorted(edges, key=lambda e: e["top"]):
        if bands and e["top"] <= bottom + tol:
            bands[-1].append(e)
            bottom = max(bottom, e["bottom"])
        else:
            bands.append([e])
            bottom = e["bottom"]
    return bands


def _page_cuts(band: list[dict], height: float) -> list[dict]:
    """Horizontal rules the page edge draws across a band of a table it cuts."""
    v = [e for e in band if e["orientation"] == "v"]
    h = [e for e in band if e["orientation"] == "h"]
    if len(v) < 2 or len({round(e["top"]) for e in h}) < 2:
        return []  # not a ruled table: rules across it are not the page's to add
    out = []
    bottom = max(e["bottom"] for e in v)
    if bottom >= height * (1 - CUT_ZONE):
        out += _closing(h, [e["x0"] for e in v if e["bottom"] >= bottom - _END_TOL], bottom)
    top = min(e["top"] for e in v)
    if top <= height * CUT_ZONE:
        out += _closing(h, [e["x0"] for e in v if e["top"] <= top + _END_TOL], top)
    return out


def _closing(h: list[dict], xs: list[float], y: float) -> list[dict]:
    """A rule at ``y`` from the first to the last of ``xs``, unless one already spans it."""
    x0, x1 = min(xs), max(xs)
    if len(xs) < 2 or x1 - x0 < 1.0:
        return []
    spans = sorted((max(e["x0"], x0), min(e["x1"], x1)) for e in h if abs(e["top"] - y) <= _END_TOL)
    covered, reach = 0.0, x0
    for a, b in spans:
        if b > reach:
            covered += b - max(a, reach)
            reach = b
    if covered >= 0.98 * (x1 - x0):
        return []
    return [
        {
            "object_type": "page_edge",
            "x0": x0,
            "x1": x1,
            "top": y,
            "bottom": y,
            "width": x1 - x0,
            "height": 0.0,
            "orientation": "h",
        }
    ]
