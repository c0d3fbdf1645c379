"""``generate``: write n reports and their truth; the same seed gives the same bytes.

Each document draws from its own RNG seeded by (seed, index), so documents do not depend
on each other; which documents get a deliberate error is drawn once from (seed, n, rate).
Formats are assigned round-robin over ``formats``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from . import render_docx, render_html, render_pdf, render_txt, report, truth

FORMATS = ("docx", "pdf", "html", "txt")  # the default mix
ALL_FORMATS = (*FORMATS, "xlsx", "zip", "ofd", "scan")
SUFFIX = {"scan": "pdf"}  # a scan is an image-only PDF
TEMPLATES = ("2021", "2019", "mixed")


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(["nianbao-synth", str(seed), *map(str, parts)]))


def error_indices(n: int, error_rate: float, seed: int) -> set[int]:
    """The documents that get one deliberate error: round(n * rate) of them."""
    k = min(n, round(n * error_rate))
    return set(_rng(seed, "errors", n).sample(range(n), k))


def render_one(rep: report.Report, fmt: str, rng: random.Random) -> tuple[bytes, int | None]:
    """The bytes of one report in ``fmt`` (and its page count for PDF)."""
    if fmt == "docx":
        return render_docx.render(rep, rng), None
    if fmt == "pdf":
        return render_pdf.render(rep, rng)
    if fmt == "html":
        return render_html.render(rep, rng), None
    if fmt == "txt":
        return render_txt.render(rep, rng), None
    if fmt == "xlsx":
        from . import render_xlsx

        return render_xlsx.render(rep, rng), None
    if fmt == "scan":
        from . import render_scan

        return render_scan.render(rep, rng)
    if fmt == "ofd":
        from . import render_ofd

        return render_ofd.render(rep, rng)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(ALL_FORMATS)}")


def generate(
    n: int,
    out: Path,
    formats: Sequence[str] = FORMATS,
    template: str = "mixed",
    error_rate: float = 0.0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    hard: bool = False,
) -> Path:
    """Write n reports into out/ and their truth to out/truth.jsonl; return the truth path."""
    formats = list(formats)
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad or not formats:
        raise ValueError(f"formats must be a non-empty subset of {ALL_FORMATS}, got {formats}")
    if template not in TEMPLATES:
        raise ValueError(f"template must be one of {TEMPLATES}, got {template!r}")
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError(f"error_rate must be within [0, 1], got {error_rate}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    broken = error_indices(n, error_rate, seed)
    width = max(4, len(str(n - 1)))
    truth_path = out / "truth.jsonl"
    with truth_path.open("w", encoding="utf-8", newline="\n") as fh:
        for i in range(n):
            fmt = formats[i % len(formats)]
            rng = _rng(seed, i)
            rep = report.build(fmt, template, rng, with_error=i in broken, hard=hard)
            stem = f"{i:0{width}d}_{rep.year}"
            name = f"{stem}.{SUFFIX.get(fmt, fmt)}"
            if fmt == "zip":  # the truth names the report inside the archive
                from . import render_zip

                data, inner = render_zip.render(rep, rng, stem)
                (out / name).write_bytes(data)
                name, pages = f"{name}!/{inner}", None
            else:
                data, pages = render_one(rep, fmt, rng)
                (out / name).write_bytes(data)
            fh.write(json.dumps(truth.record(rep, name, fmt, pages), ensure_ascii=False) + "\n")
            if progress is not None:
                progress(i + 1)
    return truth_path
