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
"""

from __future__ import annotations

from pdfplumber.table import (
    TableSettings,
    cells_to_tables,
    edges_to_intersections,
    intersections_to_cells,
    merge_edges,
)
from pdfplumber.utils import filter_edges

BBox = tuple[float, float, float, float]
SETTINGS = TableSettings.resolve({"vertical_strategy": "lines", "horizontal_strategy": "lines"})


def find_tables(edges: list[dict]) -> list[list[BBox]]:
    """Cell boxes (x0, top, x1, bottom) of each ruled table drawn by ``edges``."""
    s = SETTINGS
    v = filter_edges(edges, "v", min_length=s.edge_min_length_prefilter)
    h = filter_edges(edges, "h", min_length=s.edge_min_length_prefilter)
    out: list[list[BBox]] = []
    for band in _bands(v + h, max(s.snap_y_tolerance, s.join_y_tolerance)):
        merged = merge_edges(
            band,
            snap_x_tolerance=s.snap_x_tolerance,
            snap_y_tolerance=s.snap_y_tolerance,
            join_x_tolerance=s.join_x_tolerance,
            join_y_tolerance=s.join_y_tolerance,
        )
        merged = filter_edges(merged, min_length=s.edge_min_length)
        inter = edges_to_intersections(merged, s.intersection_x_tolerance, s.intersection_y_tolerance)
        cells = intersections_to_cells(inter)
        out.extend([tuple(c) for c in group] for group in cells_to_tables(cells))  # type: ignore[misc]
    out.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return out


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
