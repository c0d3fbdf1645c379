"""Throughput of the narrative stage (tokens, facts, tags, keywords) and jieba's start-up cost.

    python scripts/bench_narrative.py [--seconds 3] [--procs 4] [--keyword-docs 200]

Input: the section texts of the real reports in tests/fixtures/real, read with the extract
stage when it can read them, else split at their 一、…六、 headings.  Figures:

* start-up: a fresh interpreter per process, building the tokenizer from jieba's cache
  (warm) and with an empty cache directory (cold, the first run on a machine);
* chars/s and docs/s of ``narrative_rows`` in one process (CPU time), whole and by part;
* the same with a process pool, start-up included (wall time);
* ``corpus_keywords`` over the tokens of ``--keyword-docs`` documents.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from nianbao.normalize import segment
from nianbao.normalize.facts import section_facts
from nianbao.normalize.keywords import corpus_keywords
from nianbao.normalize.narrative import narrative_rows
from nianbao.normalize.segment import clean_text, token_rows
from nianbao.normalize.tags import section_tags

REAL = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real"
_HEADING = re.compile(r"(?:^|\n|[。\s])[ \t\u3000]*([一二三四五六])、(?=[^\n]{0,6}(?:情况|事项|问题))")

Sections = dict[int, str]


def _split_plain(text: str) -> Sections:
    marks = [(m.end(), "一二三四五六".index(m.group(1)) + 1) for m in _HEADING.finditer(text)]
    out: Sections = {}
    for i, (pos, number) in enumerate(marks):
        end = marks[i + 1][0] - 2 if i + 1 < len(marks) else len(text)
        out.setdefault(number, text[pos:end])
    return out


def load_reports() -> dict[str, Sections]:
    """Section texts of the real reports (extract stage if it reads them, else a plain split)."""
    reports: dict[str, Sections] = {}
    for path in sorted(REAL.glob("*.*")):
        if path.suffix not in {".txt", ".html", ".pdf", ".docx"}:
            continue
        data = path.read_bytes()
        sections: Sections = {}
        try:
            from nianbao.extract.detect import detect
            from nianbao.extract.readers import reader_for
            from nianbao.extract.sections import split_sections

            doc = reader_for(detect(data, path.name))(data, path.name)
            sections = {s.number: s.text for s in split_sections(doc.paragraphs)[1]}
        except Exception as exc:
            print(f"  {path.name}: extract failed ({type(exc).__name__}), plain split", file=sys.stderr)
        if not sections and path.suffix == ".txt":
            sections = _split_plain(data.decode("utf-8", "replace"))
        if sections:
            reports[path.name] = sections
    return reports


def startup(cold: bool) -> tuple[float, float, float]:
    """(wall seconds to build the tokenizer, wall seconds for import + build, CPU seconds for
    import + build) in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); c = time.process_time(); from nianbao.normalize import segment; "
        "segment.get_tokenizer(); print(segment.startup_seconds(), time.perf_counter() - t, time.process_time() - c)"
    )
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if cold:
            env["NIANBAO_CACHE_DIR"] = tmp
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    build, total, cpu = out.stdout.split()
    return float(build), float(total), float(cpu)


def rate(fn: Callable[[], object], seconds: float) -> tuple[float, int]:
    fn()  # warm up
    n, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        fn()
        n += 1
    return n / (time.process_time() - start), n


def _worker(batch: list[tuple[str, Sections]]) -> tuple[float, float]:
    """(CPU seconds for the batch, start-up included; seconds of the tokenizer build)."""
    started = time.process_time()
    for doc_id, sections in batch:
        narrative_rows(doc_id, sections)
    return time.process_time() - started, segment.startup_seconds() or 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="CPU seconds per single-process measure")
    ap.add_argument(
        "--procs",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="processes for the start-up and pool measures",
    )
    ap.add_argument("--keyword-docs", type=int, default=200, help="documents for the keywords measure")
    args = ap.parse_args()

    reports = load_reports()
    chars = sum(len(t) for s in reports.values() for t in s.values())
    print(f"input: {len(reports)} reports, {chars} narrative chars ({chars / len(reports):.0f} per report)")
    for name, sections in reports.items():
        print(f"  {name}: sections {sorted(sections)}, {sum(map(len, sections.values()))} chars")

    cold = [startup(cold=True) for _ in range(2)]
    warm = [startup(cold=False) for _ in range(args.procs)]
    print("jieba start-up per process, seconds (build wall; import + build wall; import + build CPU):")
    print(f"  cold cache: {' | '.join(f'{b:.2f}; {t:.2f}; {c:.2f}' for b, t, c in cold)}")
    print(f"  warm cache: {' | '.join(f'{b:.2f}; {t:.2f}; {c:.2f}' for b, t, c in warm)}")

    segment.get_tokenizer()
    docs = list(reports.items())

    def run(fn: Callable[[str, int, str], object]) -> Callable[[], None]:
        def go() -> None:
            for doc_id, sections in docs:
                for number, text in sections.items():
                    fn(doc_id, number, text)

        return go

    measures = {
        "all (narrative_rows)": lambda: [narrative_rows(d, s) for d, s in docs],
        "clean_text only": run(lambda d, n, t: clean_text(t)),
        "tokens": run(lambda d, n, t: token_rows(d, n, t)),
        "tokens with pos": run(lambda d, n, t: token_rows(d, n, t, pos=True)),
        "facts": run(lambda d, n, t: section_facts(d, n, t)),
        "tags": run(lambda d, n, t: section_tags(d, n, t)),
    }
    print(f"one process, CPU time ({args.seconds:.0f} s each):")
    for name, fn in measures.items():
        per_s, _ = rate(fn, args.seconds)
        print(f"  {name:22s} {per_s * chars:12,.0f} chars/s {per_s * len(docs):10,.1f} docs/s")

    copies = max(1, 400 // len(docs))
    batch = [(f"{d}#{i}", s) for i in range(copies) for d, s in docs]
    chunks = [batch[i :: args.procs] for i in range(args.procs)]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.procs, mp_context=multiprocessing.get_context("spawn")) as pool:
        spent = list(pool.map(_worker, chunks))
    wall = time.perf_counter() - started
    cpu = max(c for c, _ in spent)
    print(
        f"pool of {args.procs} fresh processes, {len(batch)} docs, start-up included: "
        f"wall {wall:.1f} s = {len(batch) / wall:,.1f} docs/s, {copies * chars / wall:,.0f} chars/s; "
        f"slowest worker {cpu:.1f} s CPU for {len(chunks[0])} docs = {len(batch) / cpu:,.1f} docs/s "
        f"for the pool on free cores "
        f"(builds {', '.join(f'{b:.2f}' for _, b in spent)} s)"
    )

    token_batch = [(f"{d}#{i}", s) for i in range(max(1, args.keyword_docs // len(docs))) for d, s in docs]
    tokens = pd.DataFrame([r for d, s in token_batch for r in narrative_rows(d, s)["tokens"]])
    started = time.process_time()
    keywords = corpus_keywords(tokens, top=10)
    spent = time.process_time() - started
    print(
        f"corpus_keywords: {len(token_batch)} docs, {len(tokens):,} tokens -> {len(keywords):,} rows "
        f"in {spent:.2f} s CPU ({len(tokens) / spent:,.0f} tokens/s)"
    )


if __name__ == "__main__":
    main()
