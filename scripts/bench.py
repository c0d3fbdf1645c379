"""End-to-end benchmark: speed, memory and accuracy of ``nianbao extract`` per format.

    python scripts/bench.py --n 1000                # N generated documents per format
    python scripts/bench.py --n 2 --md /tmp/B.md    # the CI smoke run

For each format: generate N reports of that format only into their own folder (not
timed), run ``nianbao extract DIR --out OUT --jobs 1`` in a fresh process, and take
from that process its wall clock, its CPU time (user + sys: the one-core figure, which
other load on a shared machine does not inflate) and its peak RSS (VmHWM, polled).  A run
over a folder of one empty file gives the fixed cost of a process (interpreter, imports,
a worker, the datasets), subtracted for the "net" rate.  PDF pages come from the truth.  Accuracy is
``nianbao.corpus.evaluate.score`` of the dataset against ``truth.jsonl``.  The per-stage split
(read / map + validate / narrative / rows, CPU ms per document) is timed in this process
over a sample of the documents.

Beside each nianbao run, in the same benchmark run and on the same files, the plain
library alone reads them in a fresh process of its own, timed the same way (CPU of the
whole process, start-up included): pdfplumber ``extract_text`` + ``extract_tables`` on
every page, python-docx walking every paragraph and every cell of every table (nested
ones too), lxml parsing each HTML page and taking the text of every paragraph and cell.
The ratio (the plain library's CPU seconds over nianbao's) holds on a noisy machine
where the absolute rates drift: both sides meet the same load.  TXT has no such library.

The results, the command and the machine go into BENCHMARKS.md, in a section per N
that replaces the section of an earlier run with the same N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from nianbao.corpus import evaluate  # noqa: E402
from nianbao.corpus.synth import ALL_FORMATS, FORMATS, generate  # noqa: E402

HEADER = """# Benchmarks

Produced by `scripts/bench.py` (see its docstring): for each format, N generated reports
of that format (`corpus/synth`, with a share of deliberately broken identities) are
extracted by `nianbao extract DIR --out OUT --jobs 1` in a fresh process, one worker.
Generation is not timed.

* **docs/s**, **pages/s**: per second of CPU time (user + sys) of the extraction process,
  i.e. on one core; *without narrative* is the same run with `--no-narrative`.  The machine is shared with other work, so wall-clock rates (in the
  speed table) can be lower than CPU rates; the CPU rate is the comparable figure.
  *net* subtracts the CPU time of the same command over a folder of one empty file
  (process start-up, imports, a worker, the datasets).
* **peak MB**: peak resident memory of the extraction process.
* **cells exact**: printed cells of tables 二/三/四 whose value (and null-ness) came out
  right.  **agency / year / template**: document metadata right.  **six sections**: all of
  一…六 found.
* **broken flagged**: deliberately broken identity instances with an error finding of the
  same rule at the same place; *or n/a* also counts an `identity.not_assessable` info
  there (a broken identity with a blank operand is not assessed rather than guessed).
* **false alarms**: clean documents with any arithmetic error finding.
* **stages**: CPU ms per document in-process over a sample: read (bytes -> document
  model), map + validate, narrative (tokens, facts, tags), rows (dataset rows).
* **ratio** to the plain library: in the same run, on the same files, a fresh process
  runs only pdfplumber (`extract_text` + `extract_tables` per page), python-docx (every
  paragraph and cell) or lxml (parse, text of every paragraph and cell); the ratio is its
  CPU seconds over nianbao's (above 1: nianbao, which also maps, validates, segments and
  writes Parquet, took less).  Both sides meet the same load, so the ratio holds where the
  absolute rates drift.
"""

SECTION = re.compile(r"^## N = (\d+) ", re.M)
ANY_SECTION = re.compile(r"^## ", re.M)


@dataclass(slots=True)
class Run:
    """One timed process: wall seconds, CPU seconds (user + sys), peak RSS in MB."""

    wall: float
    cpu: float
    peak_mb: float
    returncode: int


@dataclass(slots=True)
class FormatResult:
    """Everything measured for one format."""

    format: str
    docs: int
    pages: int | None
    gen_seconds: float
    run: Run
    net_cpu: float
    bare: Run  # the same extraction with --no-narrative
    scores: dict
    stages: dict[str, float] = field(default_factory=dict)
    patterns: list[dict] = field(default_factory=list)
    plain: Run | None = None  # the plain library alone on the same files (None: none for the format)
    plain_library: str = ""

    def ratio(self) -> float | None:
        """How many times less CPU nianbao took than the plain library on the same files."""
        return self.plain.cpu / self.run.cpu if self.plain and self.run.cpu > 0 else None

    def rate(self, seconds: float, of: int | None = None) -> float | None:
        n = self.docs if of is None else of
        return n / seconds if seconds > 0 and n else None


def extract_command() -> list[str]:
    """``nianbao`` next to this interpreter, else ``python -m nianbao.corpus.cli``."""
    exe = Path(sys.executable).with_name("nianbao")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nianbao.corpus.cli"]


def _peak_rss(pid: int) -> int | None:
    """Peak resident bytes of a running process so far (VmHWM; None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    try:  # no /proc: current RSS, sampled
        import psutil

        return psutil.Process(pid).memory_info().rss
    except Exception:
        return None


def _descendants(pid: int) -> dict[int, tuple[float, int]]:
    """CPU seconds (user + sys) and resident bytes of each process below ``pid`` now."""
    import psutil

    out = {}
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return out
    for kid in kids:
        try:
            with kid.oneshot():
                t = kid.cpu_times()
                out[kid.pid] = (t.user + t.system, kid.memory_info().rss)
        except psutil.Error:
            continue
    return out


def timed(cmd: list[str], log: Path, poll: float = 0.05) -> Run:
    """Run ``cmd`` to completion; the wall clock, CPU time and peak RSS of it and the
    processes it starts.

    ``nianbao extract --jobs 1`` reads in a worker process that a forkserver starts, so
    its CPU time never reaches ``wait4`` of the command: the CPU of every process below
    the command is polled (the last reading of each is kept) and added to the command's
    own.  Peak memory is the peak of the tree's summed resident memory (the command's
    from VmHWM: the ``ru_maxrss`` that ``wait4`` reports starts from this forking
    process's size on Linux, which would credit the benchmark's own memory to it).
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    peak = 0
    seen: dict[int, tuple[float, int]] = {}
    with log.open("wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = _descendants(proc.pid)
            seen.update(now)
            peak = max(peak, (_peak_rss(proc.pid) or 0) + sum(rss for _cpu, rss in now.values()))
            time.sleep(poll)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime + sum(c for c, _rss in seen.values())
    return Run(wall, cpu, peak / 1024**2, proc.returncode)


def extract(src: Path, out: Path, log: Path, *, narrative: bool = True, repeat: int = 1) -> Run:
    """``nianbao extract src --out out --jobs 1`` into a fresh ``out``; of ``repeat`` runs
    the one with the least CPU time (other load on a shared machine only adds to it)."""
    cmd = [*extract_command(), "extract", str(src), "--out", str(out), "--jobs", "1"]
    if not narrative:
        cmd.append("--no-narrative")
    runs = []
    for _ in range(max(1, repeat)):
        shutil.rmtree(out, ignore_errors=True)
        run = timed(cmd, log)
        if run.returncode != 0:
            tail = log.read_text("utf-8", "replace")[-2000:]
            raise SystemExit(f"extraction of {src} failed ({run.returncode}):\n{tail}")
        runs.append(run)
    return min(runs, key=lambda r: r.cpu)


# ---------------------------------------------------------------- the plain libraries


def _plain_pdf(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()
            page.close()  # drop the page's cached objects, as a long run would
        return len(pdf.pages)


def _docx_cells(table) -> int:  # python-docx table
    n = 0
    for row in table.rows:
        for cell in row.cells:
            cell.text  # noqa: B018 - reading is the work measured
            n += 1
            for inner in cell.tables:
                n += _docx_cells(inner)
    return n


def _plain_docx(path: Path) -> int:
    import docx

    document = docx.Document(str(path))
    for paragraph in document.paragraphs:
        paragraph.text  # noqa: B018
    return sum(_docx_cells(t) for t in document.tables)


def _plain_html(path: Path) -> int:
    import lxml.html

    root = lxml.html.document_fromstring(path.read_bytes())
    n = 0
    for element in root.iter("p", "td", "th", "h1", "h2", "h3", "div"):
        element.text_content()
        n += 1
    return n


PLAIN = {
    "pdf": ("pdfplumber extract_text + extract_tables per page", _plain_pdf),
    "docx": ("python-docx, every paragraph and cell", _plain_docx),
    "html": ("lxml.html parse, text of every paragraph and cell", _plain_html),
}


def plain_main(fmt: str, folder: Path) -> int:
    """``bench.py --plain FMT DIR``: the plain library alone over the FMT files of DIR."""
    _, read = PLAIN[fmt]
    files = sorted(p for p in folder.iterdir() if p.suffix == f".{fmt}")
    for path in files:
        read(path)
    print(f"{len(files)} {fmt} files read")
    return 0


def plain_library(fmt: str, src: Path, log: Path, repeat: int = 1) -> Run | None:
    """The plain library for ``fmt`` over ``src`` in a fresh process (None: no library for
    ``fmt``, or not installed); of ``repeat`` runs the one with the least CPU time."""
    if fmt not in PLAIN:
        return None
    module = {"pdf": "pdfplumber", "docx": "docx", "html": "lxml.html"}[fmt]
    try:
        __import__(module)
    except ImportError:
        return None
    cmd = [sys.executable, str(Path(__file__).resolve()), "--plain", fmt, str(src)]
    runs = []
    for _ in range(max(1, repeat)):
        run = timed(cmd, log)
        if run.returncode != 0:
            tail = log.read_text("utf-8", "replace")[-2000:]
            raise SystemExit(f"the plain {module} run over {src} failed ({run.returncode}):\n{tail}")
        runs.append(run)
    return min(runs, key=lambda r: r.cpu)


def stage_split(files: list[Path]) -> dict[str, float]:
    """CPU ms per document of each stage, in this process (after one warm-up document)."""
    try:
        from nianbao.corpus.run import narrative_rows_of, report_rows
        from nianbao.normalize.pipeline import normalize_document, read_document
    except ImportError:  # the pipeline moved: skip the split rather than the benchmark
        return {}
    totals = {"read": 0.0, "map+validate": 0.0, "narrative": 0.0, "rows": 0.0}
    done = 0
    for i, path in enumerate([files[0], *files]):
        data = path.read_bytes()
        t0 = time.process_time()
        try:
            doc = read_document(data, str(path))
        except Exception:  # a failed document has no later stages to time
            continue
        t1 = time.process_time()
        report = normalize_document(doc, "x", str(path), size=len(data))
        t2 = time.process_time()
        narrative_rows_of(report)
        t3 = time.process_time()
        report_rows(report)
        t4 = time.process_time()
        if i == 0:  # warm-up: imports, tokenizer dictionary
            continue
        done += 1
        for k, dt_ in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            totals[k] += dt_
    return {k: round(1000 * v / done, 2) for k, v in totals.items()} if done else {}


def patterns_of(out: Path, truth: Path, top: int, by: str = "shape") -> list[dict]:
    """The biggest groups of wrong cells (see ``evaluate.mismatch_patterns``), with examples."""
    rows = evaluate.mismatches(out, truth, limit=None)
    return [
        {
            "pattern": key,
            "count": n,
            "examples": [
                {
                    "file": m.file,
                    "cell": f"{m.table}/{m.row}/{m.col}",
                    "got": None if m.got is None else {"value": m.got[0], "raw": m.got[1]},
                    "printed": m.printed,
                }
                for m in ex
            ],
        }
        for key, n, ex in evaluate.mismatch_patterns(rows, by)[:top]
    ]


def bench_format(fmt: str, args: argparse.Namespace, work: Path, startup_cpu: float) -> FormatResult:
    src = work / fmt
    shutil.rmtree(src, ignore_errors=True)
    t0 = time.perf_counter()
    truth = generate(args.n, src, formats=[fmt], error_rate=args.error_rate, seed=args.seed)
    gen = time.perf_counter() - t0
    recs = [json.loads(line) for line in truth.read_text("utf-8").splitlines() if line.strip()]
    pages = sum(r.get("pages") or 0 for r in recs) or None
    out = work / f"{fmt}.out"
    bare = extract(src, out, work / f"{fmt}.log", narrative=False, repeat=args.repeat)
    run = extract(src, out, work / f"{fmt}.log", repeat=args.repeat)
    plain = plain_library(fmt, src, work / f"{fmt}.plain.log", repeat=args.repeat) if args.plain_too else None
    scores = evaluate.score(out, truth)[fmt].row()
    files = sorted(p for p in src.iterdir() if p.suffix == f".{fmt}")
    stages = stage_split(files[: args.stage_sample]) if args.stage_sample else {}
    patterns = patterns_of(out, truth, args.top) if scores["cells_exact_%"] < args.threshold else []
    return FormatResult(
        fmt,
        args.n,
        pages,
        gen,
        run,
        max(run.cpu - startup_cpu, 1e-9),
        bare,
        scores,
        stages,
        patterns,
        plain,
        PLAIN[fmt][0] if plain else "",
    )


# ---------------------------------------------------------------- machine and report


def machine() -> dict[str, str]:
    """CPU, cores, memory, Python and OS of this machine."""
    cpu = platform.processor() or platform.machine()
    mem = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"^model name\s*:\s*(.+)$", info, re.M).group(1).strip()  # type: ignore[union-attr]
        kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))  # type: ignore[union-attr]
        mem = f"{kb / 1024**2:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "usable cores": str(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else "",
        "ram": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _f(v: float | None, digits: int = 1) -> str:
    return "—" if v is None or v != v else f"{v:.{digits}f}"


def markdown(
    results: list[FormatResult], args: argparse.Namespace, command: str, mach: dict, startup: Run
) -> str:
    """The section of BENCHMARKS.md for this run."""
    date = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        f"## N = {args.n} documents per format ({date})",
        "",
        f"Command: `{command}`  ",
        f"Extraction, per format: `nianbao extract DIR --out OUT --jobs 1`; error rate {args.error_rate}, seed {args.seed}.",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in mach.items() if v) + ".  ",
        "Shared with other work running at the same time (2 cores), so wall clock is noisy; "
        "rates are per CPU second of the extraction process.",
        "",
        "| format | docs | docs/s | pages/s | docs/s without narrative | peak MB | cells exact % | agency % "
        "| year % | template % | six sections % | broken flagged % | broken flagged or n/a % | false alarms % |",
        "|---|" + "---:|" * 13,
    ]
    for r in results:
        s = r.scores
        pps = r.pages / r.run.cpu if r.pages and r.run.cpu else None
        lines.append(
            f"| {r.format} | {r.docs} | {_f(r.rate(r.run.cpu))} | {_f(pps)} | {_f(r.rate(r.bare.cpu))} "
            f"| {_f(r.run.peak_mb, 0)} "
            f"| {_f(s['cells_exact_%'], 2)} | {_f(s['agency_%'])} | {_f(s['year_%'])} | {_f(s['template_%'])} "
            f"| {_f(s['six_sections_%'])} | {_f(s['broken_flagged_%'])} ({s['broken']}) "
            f"| {_f(s['broken_flagged_or_na_%'])} | {_f(s['false_alarm_%'])} ({s['clean']}) |"
        )
    lines += [
        "",
        "Broken flagged: (n) = broken identity instances; false alarms: (n) = clean documents.  "
        "Without narrative: the same command with `--no-narrative` (no jieba tokens, facts, tags, "
        f"keywords datasets).{f' Each timing is the least-CPU of {args.repeat} runs.' if args.repeat > 1 else ''}",
        "",
        "Speed detail (CPU = user + sys of the extraction process and its worker; net = minus the run over one empty file, "
        f"{startup.cpu:.2f} s CPU, {startup.peak_mb:.0f} MB; stages in CPU ms per document):",
        "",
        "| format | docs | pages | wall s | CPU s | docs/s wall | docs/s CPU | docs/s CPU net | pages/s CPU net "
        "| failed | read | map+validate | narrative | rows | generation docs/s |",
        "|---|" + "---:|" * 15,
    ]
    for r in results:
        st = r.stages
        pps_net = r.pages / r.net_cpu if r.pages else None
        lines.append(
            f"| {r.format} | {r.docs} | {r.pages or '—'} | {_f(r.run.wall)} | {_f(r.run.cpu)} "
            f"| {_f(r.rate(r.run.wall))} | {_f(r.rate(r.run.cpu))} | {_f(r.rate(r.net_cpu))} | {_f(pps_net)} "
            f"| {r.scores['failed']} | {_f(st.get('read'))} | {_f(st.get('map+validate'))} "
            f"| {_f(st.get('narrative'))} | {_f(st.get('rows'))} | {_f(r.rate(r.gen_seconds))} |"
        )
    paired = [r for r in results if r.plain]
    if paired:
        lines += [
            "",
            "Against the plain library, on the same files in the same run (each side a fresh process, "
            "CPU seconds user + sys including its start-up; ratio = the library's CPU seconds / nianbao's, "
            "so above 1 nianbao is faster although it also maps, validates, segments and writes Parquet):",
            "",
            "| format | nianbao CPU s | nianbao docs/s | nianbao pages/s | plain library | its CPU s "
            "| its docs/s | its pages/s | ratio |",
            "|---|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for r in paired:
            p = r.plain
            assert p is not None
            pps = r.pages / r.run.cpu if r.pages else None
            plain_pps = r.pages / p.cpu if r.pages and p.cpu else None
            lines.append(
                f"| {r.format} | {_f(r.run.cpu)} | {_f(r.rate(r.run.cpu))} | {_f(pps)} | {r.plain_library} "
                f"| {_f(p.cpu)} | {_f(r.rate(p.cpu))} | {_f(plain_pps)} | {_f(r.ratio(), 2)}× |"
            )
    pats = [r for r in results if r.patterns]
    if pats:
        lines += ["", f"Top mismatch patterns of formats below {args.threshold} % cells exact:", ""]
        for r in pats:
            for p in r.patterns:
                ex = p["examples"][0]
                got = "absent" if ex["got"] is None else f"{ex['got']['value']} from {ex['got']['raw']!r}"
                lines.append(
                    f"* {r.format}: {p['pattern']} — {p['count']}× (e.g. {ex['file']} {ex['cell']}: "
                    f"got {got}, printed {ex['printed']!r})"
                )
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, section: str, n: int) -> None:
    """Put ``section`` into ``path``: replace the section of the same N, keep the others
    (and any other ``## `` section, such as the corpus runs, after them)."""
    old = path.read_text("utf-8") if path.exists() else ""
    bounds = [*(m.start() for m in ANY_SECTION.finditer(old)), len(old)]
    sections = [old[a:b].rstrip() + "\n" for a, b in pairwise(bounds)]
    runs = [s for s in sections if SECTION.match(s)]
    others = [s for s in sections if not SECTION.match(s)]
    kept = [s for s in runs if int(SECTION.match(s).group(1)) != n]  # type: ignore[union-attr]
    body = sorted([*kept, section], key=lambda s: -int(SECTION.match(s).group(1)))  # type: ignore[union-attr]
    path.write_text(HEADER + "\n" + "\n".join([*body, *others]), "utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="documents per format")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats")
    ap.add_argument("--error-rate", type=float, default=0.2, help="share of documents with a broken identity")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, help="folder for documents and datasets (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    ap.add_argument("--md", type=Path, default=ROOT / "BENCHMARKS.md", help="Markdown file to update")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument("--stage-sample", type=int, default=40, help="documents per format for the stage split")
    ap.add_argument(
        "--threshold", type=float, default=99.5, help="list mismatch patterns below this cells exact %%"
    )
    ap.add_argument("--top", type=int, default=8, help="mismatch patterns listed per format")
    ap.add_argument(
        "--repeat", type=int, default=1, help="time each extraction this many times, keep the least CPU"
    )
    ap.add_argument(
        "--no-plain",
        dest="plain_too",
        action="store_false",
        help="do not run the plain libraries (pdfplumber, python-docx, lxml) beside nianbao",
    )
    ap.add_argument("--plain", nargs=2, metavar=("FMT", "DIR"), help=argparse.SUPPRESS)  # the paired process
    args = ap.parse_args(argv)
    if args.plain:
        return plain_main(args.plain[0], Path(args.plain[1]))
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if args.n < 1 or not formats or any(f not in ALL_FORMATS for f in formats):
        ap.error(f"--n must be >= 1 and --formats a subset of {','.join(ALL_FORMATS)}")
    command = "python scripts/bench.py " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    mach = machine()

    tmp = None if args.work else tempfile.mkdtemp(prefix="nianbao-bench-")
    work = Path(args.work or tmp)
    work.mkdir(parents=True, exist_ok=True)
    try:
        empty = work / "empty"
        shutil.rmtree(empty, ignore_errors=True)
        empty.mkdir()
        (empty / "empty.txt").write_bytes(b"")  # a folder of nothing is refused: one empty file
        startup = extract(empty, work / "empty.out", work / "empty.log", repeat=args.repeat)
        print(f"start-up (one empty file): {startup.cpu:.2f} s CPU, {startup.wall:.2f} s wall", flush=True)
        results = []
        for fmt in formats:
            r = bench_format(fmt, args, work, startup.cpu)
            results.append(r)
            s = r.scores
            print(
                f"{fmt:5} {r.docs} docs  {r.rate(r.run.cpu) or 0:7.1f} docs/s CPU  {r.rate(r.run.wall) or 0:7.1f} wall  "
                f"{r.rate(r.bare.cpu) or 0:7.1f} without narrative  "
                f"{r.run.peak_mb:5.0f} MB  cells {s['cells_exact_%']}%  flagged {s['broken_flagged_%']}% "
                f"(or n/a {s['broken_flagged_or_na_%']}%)  false alarms {s['false_alarm_%']}%",
                flush=True,
            )
            if r.plain:
                print(
                    f"      plain {r.plain_library}: {r.plain.cpu:.1f} s CPU against {r.run.cpu:.1f} "
                    f"(ratio {r.ratio():.2f})",
                    flush=True,
                )
            for p in r.patterns:
                print(f"      {p['count']:6}  {p['pattern']}  e.g. {p['examples'][0]}", flush=True)
        section = markdown(results, args, command, mach, startup)
        write_markdown(args.md, section, args.n)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "command": command,
                        "machine": mach,
                        "startup": asdict(startup),
                        "results": [asdict(r) for r in results],
                    },
                    ensure_ascii=False,
                    indent=1,
                ),
                "utf-8",
            )
        print(f"-> {args.md}")
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
