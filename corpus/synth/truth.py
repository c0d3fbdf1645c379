"""The truth line of one generated document (one JSON object per line of ``truth.jsonl``).

Fields:

* ``file`` (path relative to the output folder), ``format`` (docx, pdf, html, txt),
  ``encoding`` (html/txt: as declared or written), ``txt_mode`` (txt: cell_per_line,
  row_tab, row_spaces), ``pages`` (pdf only)
* ``agency``, ``level``, ``kind``, ``province``, ``division`` (the GB/T 2260 code of the
  place drawn: county, else city, else province; null for a central body), ``year`` (int),
  ``template`` (2021/2019), ``published`` (yyyy-mm-dd, the date printed at the end), ``title`` (title lines joined by a space)
* ``cells``: every printed cell of tables 二/三/四 in the template's slot order,
  ``{"table", "row", "col", "value", "raw"}``; value null where the raw text is a null mark
  (blank, —, -, /, 无), which only ever stands for zero; otherwise value is the printed
  number, ``nianbao.normalize.numbers.parse_number(raw)`` (a value is drawn at the places it is
  printed with, so nothing is lost to rounding)
* ``sections``: ``[{"section": 1..6, "title": heading as printed}]``
* ``broken``: every rule instance the printed numbers break (see ``identities.py``), e.g.
  ``{"table": "t3", "rule": "t3.balance", "col": "natural_person", "lhs": 5, "rhs": 6}``;
  empty for a clean document
* ``error``: null, or the deliberate change: ``{"kind": one of numbers.ERROR_KINDS,
  "cells": [{"table", "row", "col", "correct", "printed"}]}``
* ``narrative_counts``: ``{name: {"value", "table_value", "agrees"}}`` for every count the
  text states; names t2_total_published, regulation_issued, normative_doc_issued, received,
  carried_over, processed, carried_forward, review, litigation (both litigation groups
  summed), fee_charged (bool), fee_yuan; table_value/agrees are null where no table holds it
"""

from __future__ import annotations

from nianbao.normalize.spec import all_slots

from .report import Report


def _num(v: float | int | None) -> float | int | None:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def record(report: Report, file: str, fmt: str, pages: int | None) -> dict:
    """The truth object of one document."""
    rec: dict = {
        "file": file,
        "format": fmt,
        "agency": report.agency.name,
        "level": report.agency.level,
        "kind": report.agency.kind,
        "province": report.agency.province or None,
        "division": report.agency.division,
        "year": report.year,
        "template": report.template,
        "published": report.published.isoformat(),
        "title": " ".join(b.text for b in report.blocks if b.kind == "title"),
        "cells": [
            {
                "table": t,
                "row": r,
                "col": c,
                "value": _num(report.values[(t, r, c)]),
                "raw": report.printed[(t, r, c)],
            }
            for t, r, c in report.opts.get("slots") or all_slots(report.template)
        ],
        "sections": report.sections,
        "broken": report.broken,
        "error": report.error,
        "narrative_counts": report.narrative_counts,
    }
    if "encoding" in report.opts:
        rec["encoding"] = report.opts["encoding"]
    if "txt_mode" in report.opts:
        rec["txt_mode"] = report.opts["txt_mode"]
    if pages is not None:
        rec["pages"] = pages
    return rec
