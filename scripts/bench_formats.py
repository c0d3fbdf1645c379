"""Accuracy and reader speed of OFD and RTF on generated reports, with PDF beside OFD.

    python scripts/bench_formats.py --n 100 --seed 7            # OFD and PDF of the same reports
    python scripts/bench_formats.py --n 40 --seed 21 --rtf      # + RTF saved by LibreOffice (soffice)

OFD and PDF: ``nianbao synth`` draws the same N reports (same seed) in each format; every
file is read by ``nianbao.normalize.pipeline.process`` and scored against the truth (cells right,
documents exact), then read again by the reader alone, timed in CPU seconds of this
process (the two formats in the same run, so a loaded machine slows both alike).  RTF:
the reports are generated as DOCX and saved as RTF by ``soffice --headless
--convert-to rtf`` (skipped with a note when LibreOffice is missing).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from nianbao.corpus.synth.generate import generate
from nianbao.extract.readers import ofd, pdf, rtf
from nianbao.normalize.pipeline import process


def score(folder: Path, truth: Path, suffix: str | None = None) -> tuple[list[bytes], str]:
    recs = [json.loads(line) for line in truth.read_text("utf-8").splitlines()]
    files, n, ok, exact = [], 0, 0, 0
    for r in recs:
        name = r["file"] if suffix is None else Path(r["file"]).with_suffix(suffix).name
        data = (folder / name).read_bytes()
        files.append(data)
        got = {(c.table, c.row, c.col): c.value for c in process(data, name).cells}
        right = sum(got.get((c["table"], c["row"], c["col"]), "absent") == c["value"] for c in r["cells"])
        n, ok, exact = n + len(r["cells"]), ok + right, exact + (right == len(r["cells"]))
    pages = sum(r.get("pages") or 0 for r in recs)
    return (
        files,
        f"{len(recs)} docs{f', {pages} pages' if pages else ''}; "
        f"cells {ok}/{n} ({100 * ok / max(n, 1):.2f} %), {exact} exact",
    )


def speed(files: list[bytes], reader, pages: int | None = None) -> str:
    t0 = time.process_time()
    for data in files:
        reader(data, "x")
    dt = time.process_time() - t0
    return (
        f"reader {len(files) / dt:.1f} docs/s" + (f", {pages / dt:.1f} pages/s" if pages else "") + " (CPU)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--error-rate", type=float, default=0.2)
    ap.add_argument("--rtf", action="store_true", help="also RTF, through LibreOffice")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, reader in (("ofd", ofd.read), ("pdf", pdf.read)):
            out = Path(tmp) / fmt
            truth = generate(args.n, out, formats=[fmt], error_rate=args.error_rate, seed=args.seed)
            files, line = score(out, truth)
            pages = sum(json.loads(x).get("pages") or 0 for x in truth.read_text("utf-8").splitlines())
            print(f"{fmt}: {line}; {speed(files, reader, pages)}")
        if args.rtf:
            soffice = shutil.which("soffice")
            if soffice is None:
                print("rtf: skipped (no soffice on PATH)")
                return
            src, out = Path(tmp) / "docx", Path(tmp) / "rtf"
            truth = generate(args.n, src, formats=["docx"], error_rate=args.error_rate, seed=args.seed)
            cmd = [
                soffice,
                "--headless",
                "--convert-to",
                "rtf",
                "--outdir",
                str(out),
                *map(str, src.glob("*.docx")),
            ]
            subprocess.run(cmd, check=True, capture_output=True, timeout=1800)
            files, line = score(out, truth, ".rtf")
            print(f"rtf: {line}; {speed(files, rtf.read)}")


if __name__ == "__main__":
    main()
