"""Hostile inputs measured: outcome, peak memory and wall time of ``nianbao extract`` per case.

    python scripts/bench_hostile.py                  # every row, writes BENCHMARKS.md
    python scripts/bench_hostile.py --only html      # rows whose name contains "html"
    python scripts/bench_hostile.py --no-write       # print the table only

Each row of the table of hostile inputs (zip and PDF stream bombs, huge and deeply nested
pages, odd paths, races of two runs, a full disk, ...) is built in a temporary folder
beside a few good generated reports (``nianbao synth``, not timed) and run through
``nianbao extract DIR --out OUT --jobs 1`` (``--jobs 2`` where said) in a fresh process
under a 4 GB address-space limit (``RLIMIT_AS``, set before the command starts).  For each
run: the exit code, the documents row of each hostile file (status and error), whether
every good report came out ``ok``, the wall time, the peak of the summed resident memory
of the command and every process below it (polled; ``--jobs 1`` reads in a worker that a
forkserver starts), and the largest peak of any one process (its ``VmHWM``).

Nothing is committed as a large file: every input is made here, most in well under a
second (a bomb of gigabytes is a few megabytes of repeated deflate blocks, see
``tests/hostile.py``).  The table goes into BENCHMARKS.md as the section "Hostile inputs".
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from tests import hostile as H  # noqa: E402

MB = 1 << 20
ADDRESS_LIMIT = 4 << 30
GOOD_TXT = ROOT / "tests" / "fixtures" / "real" / "2021_pingtan_gwh.txt"


@dataclass(slots=True)
class Proc:
    """One timed process tree: exit code, wall seconds, peak summed RSS, largest one process."""

    returncode: int
    wall: float
    peak_mb: float
    largest_mb: float
    stdout: str
    stderr: str


@dataclass(slots=True)
class Result:
    """One row of the table."""

    row: str
    outcome: str
    peak_mb: float
    largest_mb: float
    seconds: float
    notes: list[str] = field(default_factory=list)


def nianbao() -> list[str]:
    exe = Path(sys.executable).with_name("nianbao")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nianbao.corpus.cli"]


def _hwm(pid: int) -> int:
    """Peak resident bytes of a live process (VmHWM), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(
    args: list[str], *, cwd: Path = ROOT, fsize: int | None = None, timeout: float = 600, start: bool = True
) -> Proc | subprocess.Popen:
    """Run ``nianbao ARGS`` under the address-space limit and poll its process tree."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_LIMIT, ADDRESS_LIMIT))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "COLUMNS": "1000",
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*nianbao(), *args],
        cwd=cwd,
        env=env,
        preexec_fn=limit,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    proc.t0 = t0  # type: ignore[attr-defined]
    return watch(proc, timeout) if start else proc


def watch(proc: subprocess.Popen, timeout: float = 600) -> Proc:
    """Wait for ``proc``, polling the summed RSS of its tree and each process's VmHWM."""
    import threading

    out: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda k=k, s=s: out.__setitem__(k, s.read()), daemon=True)
        for k, s in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for r in readers:
        r.start()
    peak = largest = 0
    top = psutil.Process(proc.pid)
    while proc.poll() is None:
        if time.perf_counter() - proc.t0 > timeout:  # type: ignore[attr-defined]
            for p in top.children(recursive=True):
                p.kill()
            proc.kill()
            break
        try:
            tree = [top, *top.children(recursive=True)]
        except psutil.Error:
            tree = []
        total = 0
        for p in tree:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                continue
            largest = max(largest, _hwm(p.pid))
        peak = max(peak, total)
        time.sleep(0.05)
    proc.wait()
    wall = time.perf_counter() - proc.t0  # type: ignore[attr-defined]
    for r in readers:
        r.join()
    return Proc(proc.returncode, wall, peak / MB, largest / MB, out.get("stdout", ""), out.get("stderr", ""))


# ---------------------------------------------------------------- inputs


def good_reports(cache: Path) -> list[Path]:
    """Four generated reports (DOCX, PDF, HTML, TXT), made once."""
    if not (cache / "truth.jsonl").exists():
        subprocess.run(
            [*nianbao(), "synth", "--n", "4", "--out", str(cache)], check=True, capture_output=True
        )
    return sorted(p for p in cache.iterdir() if p.name != "truth.jsonl")


def folder(tmp: Path, name: str, good: list[Path], extra_txt: int = 0) -> Path:
    """A fresh input folder holding the good reports (and ``extra_txt`` copies of a real
    TXT report, each with bytes of its own)."""
    root = tmp / name / "in"
    root.mkdir(parents=True)
    for p in good:
        shutil.copy(p, root / p.name)
    for k in range(extra_txt):
        (root / f"good_real{k:03d}.txt").write_bytes(GOOD_TXT.read_bytes() + f"\n联系电话：{k}\n".encode())
    return root


def html_page(size: int) -> bytes:
    """An HTML page of about ``size`` bytes: paragraphs and small tables, as a long
    report's page holds them."""
    head = b"<html><head><meta charset='utf-8'><title>\xe5\xb9\xb4\xe6\x8a\xa5</title></head><body>"
    parts = [head]
    n = len(head)
    k = 0
    while n < size:
        block = (
            f"<p>一、总体情况 第{k}段：本机关全年主动公开政府信息{k}条，收到申请{k % 97}件。</p>"
            f"<table><tr><td>项目</td><td>{k}</td></tr><tr><td>合计</td><td>{k * 2}</td></tr></table>"
        ).encode()
        parts.append(block)
        n += len(block)
        k += 1
    parts.append(b"</body></html>")
    return b"".join(parts)


def one_line_txt(size: int) -> bytes:
    """A real report with its line breaks turned into ideographic spaces, repeated on one
    line to just under ``size`` bytes."""
    line = GOOD_TXT.read_text("utf-8").replace("\n", "　").encode()
    return (line * (size // len(line) + 1))[: size - 1].decode("utf-8", "ignore").encode()


def broken_xref(data: bytes, *, prev_loop: bool) -> bytes:
    """A real PDF (ReportLab's) with its cross-reference table blanked and ``startxref``
    pointing nowhere, or with a trailer ``/Prev`` pointing at its own table."""
    start = int(re.search(rb"startxref\s+(\d+)", data).group(1))
    if prev_loop:
        at = data.index(b"<<", data.rindex(b"trailer")) + 2
        return data[:at] + b" /Prev %d " % start + data[at:]
    end = data.rindex(b"trailer")
    blanked = data[:start] + b" " * (end - start) + data[end:]
    tail = blanked.rindex(b"startxref")
    return blanked[:tail] + b"startxref\n0\n%%EOF\n"


def deep_path_file(root: Path, data: bytes) -> None:
    """A file under 18 folders of 240 characters: past PATH_MAX (4,096 bytes)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(18):
            os.mkdir("d" * 240, dir_fd=fd)
            nxt = os.open("d" * 240, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as fh:
            fh.write(data)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- reading the outcome


def documents(out: Path) -> pd.DataFrame:
    path = out / "documents.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["source", "status", "error"])
    return pd.read_parquet(path, columns=["source", "status", "error"])


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def shorten(s: str, n: int = 110) -> str:
    s = s.replace("|", "\\|")
    return s if len(s) <= n else s[: n - 1] + "…"


def describe(p: Proc, out: Path, good: list[str], hostile: list[str] | None = None) -> str:
    """``exit N; <hostile>: status (error); good: k/n ok`` (and stderr's one line, if any)."""
    docs = documents(out)
    names = docs["source"].map(lambda s: os.path.basename(str(s)))
    bits = [f"exit {p.returncode}"]
    if p.returncode < 0:
        bits[0] += f" (signal {-p.returncode})"
    is_good = names.isin(good) | names.str.startswith("good_real")
    for name in hostile or []:
        row = docs[names == name] if name != "*" else docs[~is_good]
        if row.empty:
            bits.append(f"{name}: no row")
        for status, error in zip(row["status"], row["error"], strict=True):
            label = name if name != "*" else "hostile"
            bits.append(
                f"{label}: {status}"
                + (f" ({shorten(str(error))})" if isinstance(error, str) and error else "")
            )
    n_good = int(is_good.sum())
    ok = int((docs["status"][is_good] == "ok").sum())
    expected = len(good) + int(names.str.startswith("good_real").sum())
    bits.append(f"good {ok}/{max(expected, n_good)} ok")
    if p.returncode and p.stderr.strip():
        tb = "Traceback" in p.stderr
        bits.append(("traceback: " if tb else "stderr: ") + shorten(last_line(p.stderr), 140))
    return "; ".join(bits)


def manifest_agrees(out: Path) -> str:
    """Whether every document the manifest marks done is in the dataset."""
    import sqlite3

    if not (out / "manifest.sqlite").exists():
        return "no manifest"
    con = sqlite3.connect(f"file:{out / 'manifest.sqlite'}?mode=ro", uri=True)
    done = {d for (d,) in con.execute("SELECT doc_id FROM files")}
    con.close()
    have = set(pd.read_parquet(out / "documents.parquet", columns=["doc_id"])["doc_id"])
    lost = done - have
    return f"manifest = dataset ({len(have)} docs)" if not lost else f"{len(lost)} marked done but missing"


# ---------------------------------------------------------------- the rows


Case = Callable[[Path, list[Path]], Result]


def file_case(
    row: str, name: str, make: Callable[[], bytes], jobs: int = 1, extra: tuple[str, ...] = ()
) -> Case:
    """A row whose hostile input is one file ``name`` in the folder."""

    def case(tmp: Path, good: list[Path]) -> Result:
        root = folder(tmp, re.sub(r"\W+", "_", row), good)
        (root / name).write_bytes(make())
        out = root.parent / "out"
        p = run(["extract", str(root), "--out", str(out), "--jobs", str(jobs), *extra])
        return Result(row, describe(p, out, [g.name for g in good], [name]), p.peak_mb, p.largest_mb, p.wall)

    return case


def odd_path_case(row: str, make: Callable[[Path], list[str]]) -> Case:
    """A row whose hostile input is made by ``make(root)`` (returns the names to report)."""

    def case(tmp: Path, good: list[Path]) -> Result:
        root = folder(tmp, re.sub(r"\W+", "_", row), good)
        names = make(root)
        out = root.parent / "out"
        p = run(["extract", str(root), "--out", str(out), "--jobs", "1"], timeout=120)
        return Result(row, describe(p, out, [g.name for g in good], names), p.peak_mb, p.largest_mb, p.wall)

    return case


def gbk_name(root: Path) -> list[str]:
    raw = os.fsencode(root) + b"/" + "年报".encode("gbk") + b".txt"
    with open(raw, "wb") as fh:
        fh.write(GOOD_TXT.read_bytes())
    return ["*"]


def fifo(root: Path) -> list[str]:
    os.mkfifo(root / "pipe.txt")
    return ["pipe.txt"]


def dev_zero(root: Path) -> list[str]:
    (root / "zero.txt").symlink_to("/dev/zero")
    return ["zero.txt"]


def long_path(root: Path) -> list[str]:
    deep_path_file(root, GOOD_TXT.read_bytes())
    return ["*"]  # the row is the deepest path the walk reaches


def odd_text(root: Path) -> list[str]:
    (root / "empty.txt").write_bytes(b"")
    (root / "utf16le.txt").write_bytes(GOOD_TXT.read_text("utf-8").encode("utf-16-le"))
    (root / "nul.txt").write_bytes(b"abc\x00def" * 10)
    return ["empty.txt", "utf16le.txt", "nul.txt"]


def argument_case(row: str, make: Callable[[Path], Path]) -> Case:
    """A bad path given on the command line beside a good folder."""

    def case(tmp: Path, good: list[Path]) -> Result:
        root = folder(tmp, re.sub(r"\W+", "_", row), good)
        bad = make(root.parent)
        out = root.parent / "out"
        p = run(["extract", str(root), str(bad), "--out", str(out), "--jobs", "1"])
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        what = f"exit {p.returncode}; {len(lines)} line(s) on stderr: {shorten(lines[-1] if lines else '')}"
        if "Traceback" in p.stderr:
            what += " (traceback)"
        return Result(row, what, p.peak_mb, p.largest_mb, p.wall)

    return case


def missing(parent: Path) -> Path:
    return parent / "nope"


def looping(parent: Path) -> Path:
    (parent / "a").symlink_to(parent / "b")
    (parent / "b").symlink_to(parent / "a")
    return parent / "a"


def race_case(row: str, delay: float) -> Case:
    """Two runs into one ``--out``, the second ``delay`` seconds after the first (the
    first is given enough reports to be still writing then)."""

    def case(tmp: Path, good: list[Path]) -> Result:
        import concurrent.futures as cf

        root = folder(tmp, re.sub(r"\W+", "_", row), good, extra_txt=40 if not delay else 160)
        out = root.parent / "out"
        args = ["extract", str(root), "--out", str(out), "--jobs", "1", "--batch-size", "5"]
        with cf.ThreadPoolExecutor(2) as ex:
            first = ex.submit(watch, run(args, start=False))  # watched from its start
            time.sleep(delay)
            running = first.running() and not first.done()
            second = ex.submit(watch, run(args, start=False))
            a, b = first.result(), second.result()
        err = last_line(b.stderr if b.returncode else a.stderr)
        what = f"exits {a.returncode} and {b.returncode}; {manifest_agrees(out)}"
        if delay:
            what += f"; the first still running when the second started: {'yes' if running else 'no'}"
        if err and (a.returncode or b.returncode):
            what += f"; {shorten(err, 120)}"
        if "Traceback" in a.stderr + b.stderr:
            what += " (traceback)"
        wall = max(a.wall, b.wall + delay)
        return Result(row, what, a.peak_mb + b.peak_mb, max(a.largest_mb, b.largest_mb), wall)

    return case


def summary(p: Proc) -> str:
    """The run's summary line ("N documents: ... -> OUT"), without the folder."""
    m = re.search(r"\d+ documents: .*?(?= -> |$)", " ".join(p.stderr.split()))
    return m.group(0) if m else "no summary"


def rel_abs(tmp: Path, good: list[Path]) -> Result:
    root = folder(tmp, "rel_abs", good)
    out = root.parent / "out"
    first = run(["extract", str(root), "--out", str(out), "--jobs", "1"])
    again = run(["extract", "in", "--out", "out", "--jobs", "1"], cwd=root.parent)
    what = (
        f"exits {first.returncode}, {again.returncode}; by the absolute path: {summary(first)}; "
        f"rerun by the relative path: {summary(again)}"
    )
    return Result("", what, again.peak_mb, again.largest_mb, again.wall)


def strict(tmp: Path, good: list[Path]) -> Result:
    root = folder(tmp, "strict", good)
    (root / "empty.txt").write_bytes(b"")
    out = root.parent / "out"
    args = ["extract", str(root), "--out", str(out), "--jobs", "1", "--strict"]
    first = run(args)
    again = run(args)
    what = f"first run exit {first.returncode}; rerun exit {again.returncode}: {shorten(last_line(again.stderr))}"
    return Result(
        "--strict rerun, a failed document on record", what, again.peak_mb, again.largest_mb, again.wall
    )


def disk_full(tmp: Path, good: list[Path]) -> Result:
    """A limit on the size of any file written (RLIMIT_FSIZE), as tests/test_disk_full.py
    does without root: the manifest may not grow past its size after a first run."""
    first_in = folder(tmp, "disk_full", good)
    more = first_in.parent / "more"
    more.mkdir()
    for k in range(24):
        (more / f"good_real{k:03d}.txt").write_bytes(GOOD_TXT.read_bytes() + f"\n联系电话：{k}\n".encode())
    out = first_in.parent / "out"
    first = run(["extract", str(first_in), "--out", str(out), "--jobs", "1"])
    cap = (out / "manifest.sqlite").stat().st_size
    full = run(["extract", str(first_in), str(more), "--out", str(out), "--jobs", "1"], fsize=cap)
    lines = [ln for ln in full.stderr.splitlines() if ln.strip()]
    what = (
        f"first exit {first.returncode}; full exit {full.returncode}, {len(lines)} line(s): "
        f"{shorten(lines[-1] if lines else '', 120)}; {manifest_agrees(out)}"
    )
    if "Traceback" in full.stderr:
        what += " (traceback)"
    again = run(["extract", str(first_in), str(more), "--out", str(out), "--jobs", "1"])
    what += f"; rerun with room exit {again.returncode}, {manifest_agrees(out)}"
    return Result(
        "disk full mid-run (RLIMIT_FSIZE on the writes)", what, full.peak_mb, full.largest_mb, full.wall
    )


def cases(good: list[Path]) -> list[tuple[str, Case]]:
    """Every row: its label and how to run it.  The damaged-xref rows damage the good PDF
    report (a copy, under another name)."""
    g = 1 << 30
    pdf = next(p for p in good if p.suffix == ".pdf").read_bytes()
    rows: list[tuple[str, Case]] = [
        (
            "PDF, one Flate stream of 4 GB (4 MB file)",
            file_case("pdf_flate", "bomb.pdf", lambda: H.pdf_bomb(4 * g)),
        ),
        (
            "PDF, 20 Flate streams of 200 MB each (4 GB together)",
            file_case("pdf_many", "bomb.pdf", lambda: H.pdf_many_streams(20, 200 * MB)),
        ),
        (
            "PDF, one LZW stream of 4 GB",
            file_case("pdf_lzw", "bomb.pdf", lambda: H.pdf_with_stream(H.lzw_run(4 * g), b"/LZWDecode")),
        ),
        (
            "PDF, one stream of 240 MB (under the 256 MB limit)",
            file_case("pdf_240", "big.pdf", lambda: H.pdf_bomb(240 * MB)),
        ),
        (
            "PDF, one Flate stream of 4 GB, --jobs 2",
            file_case("pdf_flate_j2", "bomb.pdf", lambda: H.pdf_bomb(4 * g), jobs=2),
        ),
        (
            "PDF, one stream of 240 MB, --jobs 2",
            file_case("pdf_240_j2", "big.pdf", lambda: H.pdf_bomb(240 * MB), jobs=2),
        ),
        (
            "DOCX zip bomb (6 GB of document.xml)",
            file_case("docx_bomb", "bomb.docx", lambda: H.docx_bomb(6 * g)),
        ),
    ]
    for size in (1, 2, 4, 8, 100):
        rows.append(
            (
                f"HTML page of {size} MB",
                file_case(f"html{size}", "big.html", lambda s=size: html_page(s * MB)),
            )
        )
    deep = (
        "<html><body>" + "".join(f"<font color=red>第{i}段内容" for i in range(100_000)) + "</body></html>"
    ).encode()
    rows += [
        ("HTML nested 100k deep (unclosed <font>)", file_case("html_deep", "deep.html", lambda: deep)),
        ("TXT of 200 MB on one line", file_case("txt200", "line.txt", lambda: one_line_txt(200 * MB))),
        (
            "PDF report with no xref table",
            file_case("noxref", "noxref.pdf", lambda: broken_xref(pdf, prev_loop=False)),
        ),
        (
            "PDF report with a /Prev loop",
            file_case("prevloop", "prev.pdf", lambda: broken_xref(pdf, prev_loop=True)),
        ),
        ("file name not UTF-8 (GBK bytes)", odd_path_case("gbk", gbk_name)),
        ("a FIFO in the folder", odd_path_case("fifo", fifo)),
        ("a symlink to /dev/zero", odd_path_case("zero", dev_zero)),
        ("a path longer than 4,096 bytes", odd_path_case("long", long_path)),
        ("empty file; UTF-16LE without BOM; NULs", odd_path_case("oddtext", odd_text)),
        ("a missing path on the command line", argument_case("missing", missing)),
        ("a looping symlink on the command line", argument_case("loop", looping)),
        ("two runs into one --out, started together", race_case("race0", 0.0)),
        ("two runs into one --out, ~6 s apart", race_case("race6", 6.0)),
        ("same folder absolute then relative", rel_abs),
        ("--strict, failed document on record", strict),
        ("disk full mid-run", disk_full),
    ]
    return rows


# ---------------------------------------------------------------- the table


def table(results: list[Result]) -> str:
    lines = [
        "| row | outcome | peak MB (tree) | largest process MB | time s |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.row} | {r.outcome} | {r.peak_mb:.0f} | {r.largest_mb:.0f} | {r.seconds:.1f} |")
    return "\n".join(lines)


def over_a_gigabyte(results: list[Result]) -> str:
    """The rows in which one process passed 1 GB resident."""
    over = [f"{r.row} ({r.largest_mb:,.0f} MB)" for r in results if r.largest_mb > 1024]
    if not over:
        return "No process of any row passed 1 GB resident."
    return "One process passed 1 GB resident in: " + "; ".join(over) + "."


def section(results: list[Result], command: str, total: float) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""## Hostile inputs ({when})

`{command}` (whole run {total:.0f} s on a shared 2-core machine).  Each row: the hostile
input built in a temporary folder beside 4 good generated reports (DOCX, PDF, HTML, TXT),
`nianbao extract DIR --out OUT --jobs 1` (`--jobs 2` where said) in a fresh process under
a 4 GB address-space limit (RLIMIT_AS), default limits.  *Outcome*: exit code, the
documents row of the hostile file (status, error), good reports ok.  *Peak MB (tree)*: peak
of the summed resident memory of the command and every process below it (polled every
50 ms; two runs: the sum of both).  *Largest process MB*: the highest VmHWM of any one
process of the tree (the worker, for a reading row), the figure for "a worker stays under
~1 GB".  *Time*: wall seconds of the run (start-up, imports, forkserver and the 4 good
reports included: an empty run costs several seconds here).  TMP: the temporary folder.

{table(results)}

{over_a_gigabyte(results)}
"""


def write_section(text: str, path: Path) -> None:
    """Replace the section "## Hostile inputs" of ``path`` (or append it)."""
    old = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Hostile inputs.*?(?=^## |\Z)", re.M | re.S)
    new = (
        pattern.sub(lambda _m: text + "\n", old, count=1)
        if pattern.search(old)
        else old.rstrip() + "\n\n" + text
    )
    path.write_text(new.rstrip("\n") + "\n", "utf-8")


def update_rows(results: list[Result], path: Path) -> bool:
    """Replace, in the section "## Hostile inputs" of ``path``, the table rows of the rows
    just rerun (``--only``); False if there is no such section yet."""
    old = path.read_text("utf-8") if path.exists() else ""
    m = re.search(r"^## Hostile inputs.*?(?=^## |\Z)", old, re.M | re.S)
    if not m:
        return False
    body = m.group(0)
    for r in results:
        line = table([r]).splitlines()[-1]
        body = re.sub(rf"^\| {re.escape(r.row)} \|.*$", lambda _m, line=line: line, body, flags=re.M)
    path.write_text((old[: m.start()] + body + old[m.end() :]).rstrip("\n") + "\n", "utf-8")
    return True


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="run only rows whose name contains this (case-insensitive)")
    ap.add_argument("--no-write", action="store_true", help="print the table, leave BENCHMARKS.md alone")
    ap.add_argument("--md", type=Path, default=ROOT / "BENCHMARKS.md")
    a = ap.parse_args(argv)
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as tmp_s:
        tmp = Path(tmp_s)
        good = good_reports(tmp / "synth")
        for row, case in cases(good):
            if a.only and a.only.lower() not in row.lower():
                continue
            r = case(tmp, good)
            r.row = row
            r.outcome = r.outcome.replace(str(tmp), "TMP")  # the temporary folder
            results.append(r)
            print(
                f"{r.row}: {r.outcome} | {r.peak_mb:.0f} MB tree, {r.largest_mb:.0f} MB one | {r.seconds:.1f} s",
                flush=True,
            )
    total = time.perf_counter() - started
    print()
    print(table(results))
    if a.no_write:
        return
    if a.only:
        if update_rows(results, a.md):
            print(f"\nrows updated in {a.md}")
        return
    write_section(section(results, "python scripts/bench_hostile.py", total), a.md)
    print(f"\nwritten to {a.md}")


if __name__ == "__main__":
    main()
