"""nianbao: government information disclosure annual reports (政府信息公开工作年度报告) as data.

    import nianbao
    report = nianbao.convert("report.pdf")     # one report: .cells, .sections, .findings, .agency ...
    ds = nianbao.open("out")                   # a folder written by 'nianbao extract'
    ds.documents, ds.cells, ds.findings        # the datasets as pandas DataFrames
    ds.wide()                                  # one row per report, one column per standard cell
    ds.sql("select * from findings")           # DuckDB over every dataset
    ds.view("requests")                        # reports, requests, refusals, reviews_lawsuits, labels

The library behind it lives in the packages ``nianbao.extract`` (bytes to documents),
``nianbao.normalize`` (standard cells, validation) and ``nianbao.corpus`` (batch runs, exports).
"""

from __future__ import annotations

from importlib import import_module as _import_module
from importlib import metadata as _metadata
from importlib.util import find_spec as _find_spec
from pathlib import Path as _Path
from typing import TYPE_CHECKING, Any

# a source tree that is not installed (no package-dir mapping) finds the subpackages in the
# folders beside this one.
if _find_spec(__name__ + ".extract") is None:
    __path__.append(str(_Path(__file__).resolve().parent.parent))


# The library is imported on first use, so that ``import nianbao.extract`` (a worker's
# readers) does not import nianbao.corpus, pandas and duckdb with it.
_LAZY = {
    "Dataset": ("nianbao.corpus.api", "Dataset"),
    "Report": ("nianbao.corpus.api", "Report"),
    "convert": ("nianbao.corpus.api", "convert"),
    "open_dataset": ("nianbao.corpus.api", "open_dataset"),
    "open": ("nianbao.corpus.api", "open_dataset"),  # nianbao.open(DIR), as in the docs
    "read": ("nianbao.corpus.api", "convert"),
}

if TYPE_CHECKING:
    from nianbao.corpus.api import Dataset, Report, convert, open_dataset

    open = open_dataset
    read = convert


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = getattr(_import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


try:
    __version__ = _metadata.version("nianbao")
except _metadata.PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0.0.0"


__all__ = ["Dataset", "Report", "__version__", "convert", "open", "open_dataset", "read"]
