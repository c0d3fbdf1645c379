"""Accuracy and speed on scanned reports: generated PDFs turned into image-only PDFs.

    python scripts/bench_ocr.py --n 8                 # 8 reports, seed 0
    python scripts/bench_ocr.py --n 20 --md /tmp/B.md
    python scripts/bench_ocr.py --n 24 --docx 8        # and 8 DOCX whose 表三 is a picture

Each generated report (``nianbao.corpus.synth``, 2021 and 2019 forms) is rendered to grey JPEG
pages, alternately at 150 and 200 dpi, every other one turned by 0.3-1.0 degree, and
wrapped back into a PDF with no text layer (``tests/scans.py``).  Each is read in this
process with one OCR thread (``NIANBAO_OCR_THREADS=1``), and compared with its truth:

* **cells exact**, **non-zero cells exact**: printed cells whose value came out right;
* **documents exact**: reports with every cell right;
* **six sections**: reports with all six parts 一…六 found;
* **agency, year**: reports whose body and year (read from the OCR'd narrative) are right;
* **s/page**: CPU seconds of reading (OCR included) per page, on one core;
* **flagged**: cells flagged ``ocr.low_confidence``, and how many of the wrong cells
  were flagged or broke an identity.

The section "Scanned reports (OCR)" of BENCHMARKS.md is replaced by the new figures.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("NIANBAO_OCR_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

cv2.setNumThreads(1)

from nianbao.normalize.pipeline import process  # noqa: E402
from tests.scans import scanned_pdf, synth_report  # noqa: E402

HEADING = "## Scanned reports (OCR)"


def measure(n: int, seed: int) -> dict:
    cells = right = nz = nz_right = docs_exact = six = pages = agency = year = 0
    flagged = wrong_flagged = 0
    cpu = 0.0
    misses: list[str] = []
    for i in range(n):
        template = "2021" if i % 3 else "2019"
        _rep, data, truth = synth_report(seed * 100_000 + i, template)
        rng = random.Random(f"bench-ocr:{seed}:{i}")
        dpi = 150 if i % 2 == 0 else 200
        angle = round(rng.uniform(0.3, 1.0) * rng.choice((-1, 1)), 2) if i % 4 in (1, 2) else 0.0
        scan = scanned_pdf(data, dpi, angle=angle, quality=rng.choice((60, 70, 80)))
        t = time.process_time()
        report = process(scan, f"{i}.pdf")
        cpu += time.process_time() - t
        pages += report.pages or 0
        got = {(c.table, c.row, c.col): c for c in report.cells}
        low = {(f.table, f.row, f.col) for f in report.findings if f.rule == "ocr.low_confidence"}
        broken = {(f.table, f.row, f.col) for f in report.findings if f.severity == "error"}
        flagged += len(low)
        exact = True
        for c in truth["cells"]:
            k = (c["table"], c["row"], c["col"])
            g = got.get(k)
            v = None if g is None or g.value is None or math.isnan(g.value) else g.value
            ok = g is not None and v == c["value"]
            cells += 1
            right += ok
            if c["value"]:
                nz += 1
                nz_right += ok
            if not ok:
                exact = False
                wrong_flagged += k in low or bool(broken)
                if len(misses) < 12:
                    misses.append(
                        f"{i} ({dpi} dpi, {angle}°): {k} want {c['value']} got {g.raw if g else None!r}"
                    )
        docs_exact += exact
        six += sorted(s.number for s in report.sections) == [1, 2, 3, 4, 5, 6]
        agency += report.meta.agency == truth["agency"]
        year += report.meta.year == truth["year"]
        print(f"{i}: {dpi} dpi {angle:+.2f}° {report.status} exact={exact} {report.pages} pages", flush=True)
    wrong = cells - right
    return {
        "n": n,
        "pages": pages,
        "cells": 100 * right / max(cells, 1),
        "nonzero": 100 * nz_right / max(nz, 1),
        "docs": 100 * docs_exact / max(n, 1),
        "six": 100 * six / max(n, 1),
        "agency": 100 * agency / max(n, 1),
        "year": 100 * year / max(n, 1),
        "s_page": cpu / max(pages, 1),
        "flagged": flagged,
        "wrong": wrong,
        "wrong_flagged": wrong_flagged,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "misses": misses,
    }


def measure_pictures(n: int, seed: int) -> dict:
    """Generated DOCX whose 表三 is a picture (150 or 200 dpi, shown 6 inches wide)."""
    from tests.scans import docx_with_table_picture

    cells = right = docs_exact = 0
    cpu = 0.0
    for i in range(n):
        _rep, data, truth = docx_with_table_picture(seed * 100_000 + i, dpi=150 if i % 2 == 0 else 200)
        t = time.process_time()
        report = process(data, f"{i}.docx")
        cpu += time.process_time() - t
        got = {(c.table, c.row, c.col): c for c in report.cells}
        exact = True
        for c in truth["cells"]:
            g = got.get((c["table"], c["row"], c["col"]))
            v = None if g is None or g.value is None or math.isnan(g.value) else g.value
            ok = g is not None and v == c["value"]
            cells += 1
            right += ok
            exact &= ok
        docs_exact += exact
        print(f"docx {i}: {report.status} exact={exact}", flush=True)
    return {
        "n": n,
        "cells": 100 * right / max(cells, 1),
        "docs": 100 * docs_exact / max(n, 1),
        "s_doc": cpu / max(n, 1),
    }


def markdown(r: dict, command: str) -> str:
    lines = [
        HEADING,
        "",
        f"`{command}` (one process, one OCR thread; CPU seconds of reading, OCR included). Generated",
        "reports rendered to grey JPEG pages at 150 and 200 dpi (alternately), every other one",
        "turned by 0.3-1.0°, rebuilt as image-only PDFs (`tests/scans.py`).",
        "",
        "| reports | pages | cells exact | non-zero cells exact | documents exact | six sections | agency, year | s/page (1 core) | peak RSS MB | low-confidence flags | wrong cells (flagged or breaking an identity) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {r['n']} | {r['pages']} | {r['cells']:.2f} % | {r['nonzero']:.2f} % | {r['docs']:.1f} % | "
        f"{r['six']:.1f} % | {r['agency']:.0f} %, {r['year']:.0f} % | {r['s_page']:.2f} | {r['peak_mb']:.0f} | "
        f"{r['flagged']} | {r['wrong']} ({r['wrong_flagged']}) |",
        "",
    ]
    if "pictures" in r:
        p = r["pictures"]
        lines += [
            f"DOCX whose 表三 is a picture (PNG at 150 or 200 dpi pasted 6 inches wide), same command: {p['n']}",
            f"documents, {p['cells']:.2f} % cells exact, {p['docs']:.1f} % documents exact, "
            f"{p['s_doc']:.2f} CPU s a document (the OCR engine already made).",
            "",
        ]
    return "\n".join(lines)


def replace_section(path: Path, text: str) -> None:
    old = path.read_text("utf-8") if path.exists() else ""
    if HEADING in old:
        head, _, rest = old.partition(HEADING)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new, "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--md", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--docx", type=int, default=0, help="also N DOCX whose 表三 is a picture")
    ap.add_argument("--det-side", type=int, default=0, help="text detection's longest side (0: the engine's)")
    args = ap.parse_args()
    if args.det_side:
        from nianbao.extract.readers import ocr

        ocr.engine().text_det.limit_side_len = args.det_side
    r = measure(args.n, args.seed)
    if args.docx:
        r["pictures"] = measure_pictures(args.docx, args.seed)
    for m in r["misses"]:
        print("miss:", m)
    command = f"python scripts/bench_ocr.py --n {args.n} --seed {args.seed}"
    if args.docx:
        command += f" --docx {args.docx}"
    if args.det_side:
        command += f" --det-side {args.det_side}"
    text = markdown(r, command)
    print(text)
    replace_section(args.md, text)


if __name__ == "__main__":
    main()
