"""Where each issuing body is placed, in one place for every output.

``nianbao check`` writes ``DIR/units.parquet``: a body per name, placed by its name and,
where the name leaves the place open (城关镇, 朝阳区), by what its reports' own text says
(:func:`nianbao.corpus.check.units_frame`).  Exports, the views and the check summary read it
when it is there, so a body the text placed is placed in them too; a name it does not
hold (a dataset not yet checked, a report added since) is classified by its name alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from nianbao.corpus.store import dataset_path
from nianbao.normalize.agencies import Unit, classify

_FIELDS = [f.name for f in fields(Unit)]


def read_units(dataset: Path) -> dict[str, Unit]:
    """The units ``check`` wrote for ``dataset``, by body name (empty when there are none)."""
    path = dataset_path(Path(dataset), "units")  # a file or a folder of part files
    return units_from_frame(pd.read_parquet(path)) if path.exists() else {}


def units_from_frame(frame: pd.DataFrame) -> dict[str, Unit]:
    """The units of a ``units`` table, by body name."""
    if not set(_FIELDS) <= set(frame.columns):  # written by an older check: names alone
        return {}
    out = {}
    for row in frame[_FIELDS].itertuples(index=False):
        values = {k: (None if pd.isna(v) else str(v)) for k, v in zip(_FIELDS, row, strict=True)}
        out[values["name"]] = Unit(**values)
    return out


def units_for(names: Iterable[str], known: dict[str, Unit] | None = None) -> dict[str, Unit]:
    """Each name's unit: the dataset's where it has one, else from the name."""
    known = known or {}
    return {n: known.get(n) or classify(n) for n in names}
