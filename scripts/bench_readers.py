"""Throughput of the HTML and PDF readers alone (no normalisation), in CPU time of this process.

    python scripts/bench_readers.py [--seconds 3] [--pdfs DIR [--limit N]]

HTML: documents per second on the real Shanghai page and on that page wrapped in a
typical site's chrome.  PDF: pages per second on the real Huaian report with the
pdfplumber reference backend and the pypdfium2 fast path.

``--pdfs DIR`` adds the PDFs of a folder (e.g. ``nianbao synth --formats pdf``
output): pages per second of each backend alone and of the whole pipeline
(``nianbao.normalize.pipeline.process``: reading, mapping, validation; not the narrative datasets) with the
default backend, each over the first ``--limit`` files in one pass.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from nianbao.extract.readers import html, pdf

REAL = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real"

CHROME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>年度报告</title>
<script>var a = 1;</script><style>p {{}}</style></head><body>
<div class="header"><a href="/">首页</a><a href="/a">政务公开</a></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; 年度报告</div>
<table class="xxgk"><tr><td>索引号：</td><td>000/2020-1</td><td>发布机构：</td><td>上海市人民政府办公厅</td></tr>
<tr><td>发布日期：</td><td>2020-01-31</td></tr></table>
<div id="zoom">{body}</div><div class="footer">主办：某某 地址：某某路1号</div></body></html>"""


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, int]:
    fn()  # warm up (imports, caches)
    n, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        fn()
        n += 1
    return n / (time.process_time() - start), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    ap.add_argument("--pdfs", type=Path, help="also time the PDFs under this folder")
    ap.add_argument("--limit", type=int, default=100, help="at most this many PDFs of --pdfs")
    args = ap.parse_args()

    page = (REAL / "2019_shanghai_szfbgt.html").read_bytes()
    wrapped = CHROME.format(body=page.decode("utf-8")).encode("utf-8")
    for label, data in [("shanghai fragment", page), ("shanghai in site chrome", wrapped)]:
        r, n = rate(lambda d=data: html.read(d, "x.html"), args.seconds)
        print(f"html  {label:<28} {len(data) / 1024:6.1f} KiB  {r:8.1f} docs/s  ({n} runs)")

    data = (REAL / "2024_huaian_szf.pdf").read_bytes()
    pages = pdf.read(data, "x.pdf").pages or 1
    for backend in ("pdfplumber", "pdfium"):
        r, n = rate(lambda b=backend: pdf.read_with(data, "x.pdf", b), args.seconds)
        print(f"pdf   huaian ({pages} pages) {backend:<13} {r * pages:8.1f} pages/s  ({n} runs)")

    if args.pdfs:
        folder(args.pdfs, args.limit)


def folder(path: Path, limit: int) -> None:
    """Pages/s (CPU) over a folder of PDFs: each backend alone, then the whole pipeline."""
    from nianbao.normalize import pipeline

    files = sorted(path.rglob("*.pdf"))[:limit]
    datas = [f.read_bytes() for f in files]
    if not datas:
        print(f"pdf   no PDFs under {path}")
        return
    pages = sum(pdf.read(d, "x.pdf").pages or 1 for d in datas)  # also warms up imports
    pipeline.process(datas[0], "x.pdf")
    label = f"{len(datas)} files ({pages} pages)"
    runs: list[tuple[str, Callable[[bytes], object]]] = [
        ("pdfplumber", lambda d: pdf.read_with(d, "x.pdf", "pdfplumber")),
        ("pdfium", lambda d: pdf.read_with(d, "x.pdf", "pdfium")),
        ("pipeline", lambda d: pipeline.process(d, "x.pdf")),
    ]
    for name, fn in runs:
        start = time.process_time()
        for d in datas:
            fn(d)
        cpu = time.process_time() - start
        print(f"pdf   {label} {name:<13} {pages / cpu:8.1f} pages/s  ({cpu:.1f} s CPU)")


if __name__ == "__main__":
    main()
