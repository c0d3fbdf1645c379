"""Measure the DOCX reader alone, in documents per second on one core.

Usage::

    python scripts/bench_docx_reader.py               # a generated typical report
    python scripts/bench_docx_reader.py DIR [--seconds 5]   # every *.docx under DIR

The generated report is shaped like a real one: about six pages of narrative
(section headings 一 … 六 and ~60 paragraphs) and the three tables of the 2021 national
form with their merged cells (~250 cells).  Files are read into memory first, so disk
speed is not measured; ``--seconds`` sets how long each pass runs.  The rate by CPU
time is reported next to the wall-clock rate, which other load on the machine lowers.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import docx

from nianbao.extract.readers.docx import _blocks, read

_SECTIONS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
_FILLER = (
    "本机关坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实《中华人民共和国政府信息公开条例》，"
    "围绕中心工作，持续深化政务公开，不断提升政府信息公开工作质量和实效，切实保障人民群众的知情权、参与权、"
    "表达权和监督权，全年通过政府网站主动公开政府信息一千二百余条。"
)


def typical_report() -> bytes:
    """A report like the ones published: narrative plus the three merged-cell tables."""
    d = docx.Document()
    d.add_heading("某某区人民政府2023年政府信息公开工作年度报告", 1)
    for k, title in enumerate(_SECTIONS):
        d.add_paragraph(title)
        for _ in range(10):
            d.add_paragraph(_FILLER)
        if k == 1:
            t = d.add_table(rows=14, cols=4)
            for r in (0, 4, 7, 11):
                t.cell(r, 0).merge(t.cell(r, 3))
            for r in (5, 6, 8, 9, 10, 12, 13):
                t.cell(r, 1).merge(t.cell(r, 3))
            _fill(t)
        elif k == 2:
            t = d.add_table(rows=28, cols=10)
            t.cell(0, 0).merge(t.cell(2, 2))
            t.cell(0, 3).merge(t.cell(0, 9))
            t.cell(1, 3).merge(t.cell(2, 3))
            t.cell(1, 4).merge(t.cell(1, 8))
            t.cell(1, 9).merge(t.cell(2, 9))
            t.cell(3, 0).merge(t.cell(3, 2))
            t.cell(4, 0).merge(t.cell(4, 2))
            t.cell(5, 0).merge(t.cell(26, 0))
            for a, b in ((7, 14), (15, 17), (18, 22), (23, 25)):
                t.cell(a, 1).merge(t.cell(b, 1))
            for r in (5, 6, 26):
                t.cell(r, 1).merge(t.cell(r, 2))
            t.cell(27, 0).merge(t.cell(27, 2))
            _fill(t)
        elif k == 3:
            t = d.add_table(rows=4, cols=15)
            t.cell(0, 0).merge(t.cell(0, 4))
            t.cell(0, 5).merge(t.cell(0, 14))
            for c in range(5):
                t.cell(1, c).merge(t.cell(2, c))
            t.cell(1, 5).merge(t.cell(1, 9))
            t.cell(1, 10).merge(t.cell(1, 14))
            _fill(t)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _fill(table: docx.table.Table) -> None:
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row.cells):
            if not cell.text:
                cell.text = str(i * j)


def bench(files: list[bytes], seconds: float) -> tuple[float, float]:
    """Read ``files`` round-robin for about ``seconds``.

    Returns documents per second by wall clock and by this process's CPU time; on a
    shared machine the CPU-time figure is the one-core rate.
    """
    for data in files:  # warm-up: imports, lxml caches
        read(data, "warmup.docx")
    n = 0
    start, cpu = time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - start) < seconds:
        for data in files:
            read(data, "bench.docx")
        n += len(files)
    return n / elapsed, n / (time.process_time() - cpu)


def breakdown(data: bytes, n: int = 200) -> tuple[float, float]:
    """Milliseconds per document spent in ``docx.Document`` (open) and in the body walk."""
    start = time.perf_counter()
    for _ in range(n):
        doc = docx.Document(io.BytesIO(data))
    opened = (time.perf_counter() - start) / n * 1000
    body = doc.element.body
    start = time.perf_counter()
    for _ in range(n):
        _blocks(body, "body", [])
    walked = (time.perf_counter() - start) / n * 1000
    return opened, walked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, help="folder of .docx files (default: generate one)")
    ap.add_argument("--seconds", type=float, default=5.0, help="how long to measure (default 5)")
    ap.add_argument("--breakdown", action="store_true", help="also time package open and body walk apart")
    args = ap.parse_args(argv)
    if args.folder is None:
        files = [typical_report()]
        label = "generated typical report"
    else:
        paths = sorted(args.folder.rglob("*.docx"))
        if not paths:
            print(f"no .docx files under {args.folder}", file=sys.stderr)
            return 1
        files = [p.read_bytes() for p in paths]
        label = f"{len(files)} file(s) from {args.folder}"
    doc = read(files[0], "first.docx")
    cells = sum(len(t.cells) for t in doc.tables)
    print(f"{label}: {len(doc.paragraphs)} paragraphs, {len(doc.tables)} tables, {cells} cells in the first")
    wall, cpu = bench(files, args.seconds)
    print(
        f"{cpu:.0f} docs/s by CPU time ({1000 / cpu:.2f} ms/doc), {wall:.0f} docs/s by wall clock; one core"
    )
    if args.breakdown:
        opened, walked = breakdown(files[0])
        print(f"first file: docx.Document() {opened:.2f} ms, body walk {walked:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
