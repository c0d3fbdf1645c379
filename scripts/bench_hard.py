"""Accuracy on the hard layout families: ``nianbao synth --hard``, per format and per family.

    python scripts/bench_hard.py --n 400            # N reports per format, seed 0
    python scripts/bench_hard.py --n 40 --md /tmp/B.md

For each format, N reports are generated with ``--hard`` (the layout, title, date, hybrid
and blank-operand shapes drawn much more often) and a share of broken identities, then
extracted by ``nianbao extract`` in a fresh process.  The figures, per format and for TXT
per flattening (``txt_mode``), are:

* **cells exact**, **non-zero cells exact**: printed cells whose value came out right (a
  blank-printed cell must come out blank), all of them and those whose value is not 0;
* **documents exact**: reports with every cell right;
* **agency**, **published**: the body and the printed date right;
* **flagged**: deliberately broken identity instances reported as an error of that rule at
  that place; **false alarms**: clean reports with any arithmetic error.

The section "Accuracy on synth --hard" of BENCHMARKS.md is replaced by the new figures.
TXT's ``pdftotext`` family needs poppler's ``pdftotext`` on PATH (else it is not drawn).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from nianbao.corpus import evaluate  # noqa: E402
from nianbao.corpus.synth import FORMATS, generate  # noqa: E402

HEADING = "## Accuracy on synth --hard"


def _right(got: object, want: float | None) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and pd.isna(got))
    return got is not None and not pd.isna(got) and abs(float(got) - want) < 1e-6


def measure(fmt: str, n: int, seed: int, error_rate: float, work: Path) -> list[dict]:
    """Rows of figures for one format: the format, then (TXT) one per flattening."""
    src, out = work / fmt, work / f"{fmt}.out"
    shutil.rmtree(src, ignore_errors=True)
    truth = generate(n, src, formats=[fmt], error_rate=error_rate, seed=seed, hard=True)
    cmd = [sys.executable, "-m", "nianbao.corpus.cli", "extract", str(src), "--out", str(out), "--force"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    docs = pd.read_parquet(out / "documents.parquet")
    cells = pd.read_parquet(out / "cells.parquet")
    by_name = {Path(s).name: d for s, d in zip(docs.source, docs.itertuples(), strict=True)}
    values = {
        d: dict(zip(zip(g.table, g.row, g.col, strict=True), g.value, strict=True))
        for d, g in cells.groupby("doc_id")
    }
    flags = evaluate.score(out, truth)[fmt].row()
    groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in truth.read_text("utf-8").splitlines():
        t = json.loads(line)
        keys = [fmt] + ([f"{fmt}: {t['txt_mode']}"] if "txt_mode" in t else [])
        doc = by_name.get(Path(t["file"]).name)
        got = values.get(doc.doc_id, {}) if doc is not None else {}
        ok = [
            _right(got.get((c["table"], c["row"], c["col"])), c["value"])
            if (c["table"], c["row"], c["col"]) in got
            else False
            for c in t["cells"]
        ]
        nz = [o for o, c in zip(ok, t["cells"], strict=True) if c["value"]]
        for k in keys:
            g = groups[k]
            g["docs"] += 1
            g["cells"] += len(ok)
            g["right"] += sum(ok)
            g["nz"] += len(nz)
            g["nz_right"] += sum(nz)
            g["exact"] += all(ok)
            g["agency"] += doc is not None and doc.agency == t["agency"]
            g["published"] += doc is not None and str(doc.published) == t["published"]
    rows = []
    for k, g in groups.items():
        row = {
            "set": k,
            "docs": g["docs"],
            "cells exact %": 100 * g["right"] / g["cells"],
            "non-zero cells %": 100 * g["nz_right"] / max(g["nz"], 1),
            "documents exact %": 100 * g["exact"] / g["docs"],
            "agency %": 100 * g["agency"] / g["docs"],
            "published %": 100 * g["published"] / g["docs"],
        }
        if k == fmt:
            row["flagged %"] = flags["broken_flagged_%"]
            row["false alarms %"] = flags["false_alarm_%"]
            row["broken"], row["clean"] = flags["broken"], flags["clean"]
        rows.append(row)
    return rows


def markdown(rows: list[dict], command: str) -> str:
    cols = [
        "docs",
        "cells exact %",
        "non-zero cells %",
        "documents exact %",
        "agency %",
        "published %",
        "flagged %",
        "false alarms %",
    ]
    out = [
        HEADING,
        "",
        f"Command: `{command}` (see the script's docstring).  Flagged: (n) = broken identity",
        "instances; false alarms: (n) = clean reports.  TXT rows below the TXT line are its flattenings.",
        "",
        "| set | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            if v is None:
                cells.append("")
            elif c == "docs":
                cells.append(str(v))
            elif c == "flagged %":
                cells.append(f"{v:.1f} ({r['broken']})")
            elif c == "false alarms %":
                cells.append(f"{v:.1f} ({r['clean']})")
            else:
                cells.append(f"{v:.2f}" if "cells" in c else f"{v:.1f}")
        out.append(f"| {r['set']} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the section under HEADING (or add it at the end)."""
    old = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = (
        pattern.sub(section.rstrip() + "\n\n", old)
        if pattern.search(old)
        else old.rstrip() + "\n\n" + section
    )
    path.write_text(new, "utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="reports per format")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--error-rate", type=float, default=0.2)
    ap.add_argument("--md", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--work", type=Path)
    args = ap.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="nianbao-hard-"))
    rows = []
    for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
        for r in measure(fmt, args.n, args.seed, args.error_rate, work):
            rows.append(r)
            print(
                "  ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()),
                flush=True,
            )
    command = "python scripts/bench_hard.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_section(args.md, markdown(rows, command.strip()))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    print(f"-> {args.md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
