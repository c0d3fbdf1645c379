"""Hostile and odd inputs in a corpus run: each costs one ``failed`` row with its reason,
never the run, never the other reports, never a hang.  Every input is made in the test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from nianbao.corpus import run as run_mod
from nianbao.corpus.inputs import source_name, source_path
from nianbao.corpus.lock import OutputLocked, output_lock
from nianbao.corpus.run import run_extract
from nianbao.extract.limits import Limits
from tests.conftest import REAL

GOOD = REAL / "2021_pingtan_gwh.txt"


def _documents(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "documents.parquet", columns=["source", "status", "error", "format"])


def _reasons(out: Path) -> dict[str, str | None]:
    """file name -> error of its documents row."""
    docs = _documents(out)
    return {os.path.basename(s): e for s, e in zip(docs["source"], docs["error"], strict=True)}


def _with_good(root: Path, n: int = 2) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        (root / f"good{k}.txt").write_bytes(GOOD.read_bytes() + f"\n联系电话：{k}\n".encode())


def _good_ok(out: Path, n: int = 2) -> None:
    docs = _documents(out)
    good = docs[docs["source"].str.contains("good")]
    assert len(good) == n and set(good["status"]) == {"ok"}


# ---------------------------------------------------------------- limits and the guard


def test_a_file_past_max_bytes_is_refused_before_it_is_read(tmp_path: Path, monkeypatch):
    root = tmp_path / "in"
    _with_good(root)
    limit = GOOD.stat().st_size + 1000
    (root / "big.txt").write_bytes(b"x" * (limit + 1))
    opened = []
    real_read = run_mod.read_input
    monkeypatch.setattr(run_mod, "read_input", lambda p: opened.append(p) or real_read(p))
    run_extract(
        [root], tmp_path / "out", jobs=1, narrative=False, limits=Limits(max_bytes=limit), in_process=True
    )
    assert _reasons(tmp_path / "out")["big.txt"] == (
        f"file of {limit + 1:,} bytes, past the limit of {limit:,} bytes (--max-bytes)"
    )
    assert not any(p.endswith("big.txt") for p in opened)
    _good_ok(tmp_path / "out")


def test_a_document_past_its_time_budget_is_failed_and_the_run_goes_on(tmp_path: Path):
    # 2 MB of report on one line: about 3 s of work, 0.3 s allowed.
    root = tmp_path / "in"
    _with_good(root)
    line = GOOD.read_text("utf-8").replace("\n", "　")
    (root / "one_line.txt").write_text(line * (2_000_000 // len(line.encode()) + 1), "utf-8")
    started = time.perf_counter()
    run_extract([root], tmp_path / "out", jobs=1, narrative=False, limits=Limits(timeout=0.3))
    assert time.perf_counter() - started < 30
    reason = _reasons(tmp_path / "out")["one_line.txt"]
    assert reason == "took longer than the limit of 0.3 s per document (--timeout-per-doc)"
    _good_ok(tmp_path / "out")


def test_memory_error_anywhere_in_processing_costs_one_row(tmp_path: Path, monkeypatch):
    # Before, a MemoryError in validation (a 200 MB one-line TXT) escaped the per-document
    # guard and ended the run.
    root = tmp_path / "in"
    _with_good(root)
    (root / "huge.txt").write_bytes(GOOD.read_bytes())
    real = run_mod.process

    def process(data, source, doc_id=None):
        if source.endswith("huge.txt"):
            raise MemoryError
        return real(data, source, doc_id)

    monkeypatch.setattr(run_mod, "process", process)
    run_extract([root], tmp_path / "out", jobs=1, narrative=False, in_process=True)
    assert (
        _reasons(tmp_path / "out")["huge.txt"] == "out of memory while processing the document (MemoryError)"
    )
    _good_ok(tmp_path / "out")


def test_a_narrative_that_fails_keeps_the_documents_rows(tmp_path: Path, monkeypatch):
    root = tmp_path / "in"
    _with_good(root, 1)
    monkeypatch.setattr(run_mod, "narrative_rows_of", lambda report: (_ for _ in ()).throw(MemoryError()))
    run_extract([root], tmp_path / "out", jobs=1, in_process=True)
    docs = _documents(tmp_path / "out")
    assert list(docs["status"]) == ["ok"]
    assert "narrative left out: out of memory" in docs["error"][0]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\t\n", "empty file: 4 bytes of white space only"),
        (
            "nul.txt",
            b"abc\x00def" * 10,
            "unknown format: binary data (NUL bytes in the first 4 KB, the first at byte 3)",
        ),
    ],
)
def test_unreadable_files_say_what_is_wrong(tmp_path: Path, name: str, data: bytes, reason: str):
    # Before, all three were "unknown format: neither DOCX, PDF, HTML nor text".
    root = tmp_path / "in"
    root.mkdir()
    (root / name).write_bytes(data)
    run_extract([root], tmp_path / "out", jobs=1, narrative=False)
    assert _reasons(tmp_path / "out")[name] == reason


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_text_without_bom_is_read(tmp_path: Path, encoding: str):
    root = tmp_path / "in"
    root.mkdir()
    (root / "report.txt").write_bytes(GOOD.read_text("utf-8").encode(encoding))
    run_extract([root], tmp_path / "out", jobs=1, narrative=False)
    docs = _documents(tmp_path / "out")
    assert (docs["format"][0], docs["status"][0]) == ("txt", "ok")


# ---------------------------------------------------------------- paths


def test_a_name_that_is_not_utf8_is_kept_reversibly(tmp_path: Path):
    # GBK bytes for 年报.txt, as a zip made on Chinese Windows unpacks on Linux.
    # Before: UnicodeEncodeError while planning, the run died before any work.
    root = tmp_path / "in"
    root.mkdir()
    raw = os.fsencode(root) + b"/" + "年报".encode("gbk") + b".txt"
    with open(raw, "wb") as fh:
        fh.write(GOOD.read_bytes())
    out = tmp_path / "out"
    run_extract([root], out, jobs=1, narrative=False)
    docs = _documents(out)
    assert list(docs["status"]) == ["ok"]
    source = docs["source"][0]
    source.encode("utf-8")  # storable as text (GBK 年 is c4 ea: c4 alone is not UTF-8)
    assert source.endswith("/\\xc4\uac68.txt")
    assert os.fsencode(source_path(source)) == raw  # the source column reopens the file
    assert open(source_path(source), "rb").read() == GOOD.read_bytes()
    summary = run_extract([root], out, jobs=1, narrative=False)
    assert (summary.documents, summary.skipped) == (0, 1)


def test_source_names_round_trip():
    for name in ["/a/年报.txt", "/a/b\\c.txt", "/a/\udcc4\udcea\\x41.txt", "/a/\\\udcff"]:
        stored = source_name(name)
        stored.encode("utf-8")
        if stored != name:
            assert source_path(stored) == name


def test_what_is_not_a_regular_file_gets_a_row_with_its_reason(tmp_path: Path):
    root = tmp_path / "in"
    _with_good(root)
    os.mkfifo(root / "pipe.txt")  # before: the run hung forever opening it
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.txt"))
    (root / "zero.txt").symlink_to("/dev/zero")  # before: MemoryError, the run died
    outside = tmp_path / "outside.txt"
    outside.write_bytes(GOOD.read_bytes())
    (root / "away.txt").symlink_to(outside)
    (root / "loop1.txt").symlink_to(root / "loop2.txt")
    (root / "loop2.txt").symlink_to(root / "loop1.txt")
    (root / "gone.txt").symlink_to(root / "missing.txt")
    (root / "folder_link").symlink_to(tmp_path)
    inside = root / "sub"
    inside.mkdir()
    (inside / "alias.txt").symlink_to(root / "good0.txt")  # a link inside the tree is read
    try:
        run_extract([root], tmp_path / "out", jobs=1, narrative=False)
    finally:
        sock.close()
    reasons = _reasons(tmp_path / "out")
    assert reasons["pipe.txt"] == "not a regular file: a FIFO (named pipe)"
    assert reasons["sock.txt"] == "not a regular file: a socket"
    assert reasons["zero.txt"] == "not a regular file: a character device"
    assert reasons["away.txt"] == f"symbolic link out of the input folders, to {outside}"
    assert reasons["loop1.txt"] == reasons["loop2.txt"] == "symbolic link loop"
    assert reasons["gone.txt"] == f"dangling symbolic link to {root / 'missing.txt'}"
    assert reasons["folder_link"] == f"symbolic link out of the input folders, to {tmp_path}"
    _good_ok(tmp_path / "out")


def test_a_path_longer_than_the_system_allows_gets_a_row(tmp_path: Path):
    # Before: no row at all, silently (the folder walk ignored the error).
    root = tmp_path / "in"
    _with_good(root)
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(18):  # 18 folders of 240 characters: past PATH_MAX (4096)
            os.mkdir("d" * 240, dir_fd=fd)
            nxt = os.open("d" * 240, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as fh:
            fh.write(GOOD.read_bytes())
    finally:
        os.close(fd)
    run_extract([root], tmp_path / "out", jobs=1, narrative=False)
    docs = _documents(tmp_path / "out")
    long = docs[docs["source"].str.len() > 4096]
    assert len(long) == 1 and long["status"].iloc[0] == "failed"
    assert "File name too long" in long["error"].iloc[0]
    _good_ok(tmp_path / "out")


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao.corpus.cli", "extract", *args], capture_output=True, text=True, **kw
    )


def test_a_missing_or_looping_path_given_is_one_line_and_a_non_zero_exit(tmp_path: Path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    for path, message in [
        (tmp_path / "nope", "no such file or folder"),
        (tmp_path / "a", "symbolic link loop"),
    ]:
        done = _cli(str(path), "--out", str(tmp_path / "out"), "--jobs", "1")
        assert done.returncode == 2
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        assert lines == [f"nianbao extract: {message}: {path}"], done.stderr
        assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- one writer, exit codes


def test_a_second_run_into_a_locked_folder_refuses_with_one_line(tmp_path: Path):
    root = tmp_path / "in"
    _with_good(root, 1)
    out = tmp_path / "out"
    with output_lock(out):
        with pytest.raises(OutputLocked, match="another nianbao run is writing to"):
            run_extract([root], out, jobs=1, narrative=False)
        done = _cli(str(root), "--out", str(out), "--jobs", "1", "--no-narrative")
    assert done.returncode == 2
    assert [ln for ln in done.stderr.splitlines() if ln.strip()] == [
        f"nianbao extract: another nianbao run is writing to {out} (pid {os.getpid()}): "
        "wait for it to finish, or pass --wait"
    ]


def test_wait_waits_for_the_writer(tmp_path: Path):
    root = tmp_path / "in"
    _with_good(root, 1)
    out = tmp_path / "out"
    held = threading.Event()

    def hold() -> None:
        with output_lock(out):
            held.set()
            time.sleep(1.0)

    t = threading.Thread(target=hold)
    t.start()
    held.wait()
    started = time.perf_counter()
    summary = run_extract([root], out, jobs=1, narrative=False, wait=True)
    t.join()
    assert time.perf_counter() - started >= 0.9 and summary.documents == 1


def _race(tmp_path: Path, k: int, wait: bool) -> None:
    """Two runs into one folder started together: with --wait both finish and the manifest
    and the datasets agree; without, one finishes and the other refuses in one line."""
    root = tmp_path / f"in{k}"
    _with_good(root, 6)
    out = tmp_path / f"out{k}"
    args = [str(root), "--out", str(out), "--jobs", "1", "--no-narrative", "--batch-size", "2"]
    args += ["--wait"] if wait else []
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "nianbao.corpus.cli", "extract", *args], stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    codes = sorted(p.wait(timeout=300) for p in procs)
    errs = [p.stderr.read() for p in procs]
    assert codes == ([0, 0] if wait else [0, 2]), errs
    assert not any("Traceback" in e for e in errs)
    import sqlite3

    con = sqlite3.connect(out / "manifest.sqlite")
    done = {d for (d,) in con.execute("select doc_id from files")}
    con.close()
    docs = pd.read_parquet(out / "documents.parquet", columns=["doc_id"])
    assert done == set(docs["doc_id"]) and len(docs) == 6


@pytest.mark.parametrize("wait", [False, True])
def test_two_runs_into_one_folder(tmp_path: Path, wait: bool):
    _race(tmp_path, 0, wait)


LONG = pytest.mark.skipif(not os.environ.get("NIANBAO_LONG"), reason="long run: scripts/long_checks.sh")


@pytest.mark.slow
@LONG
def test_two_runs_into_one_folder_many_times(tmp_path: Path):
    for k in range(int(os.environ.get("NIANBAO_RACES", "20"))):
        _race(tmp_path, k, wait=bool(k % 2))


def test_strict_fails_whenever_a_failed_document_is_on_record(tmp_path: Path):
    # Before: a rerun with nothing to do exited 0 although a failed document was on record.
    root = tmp_path / "in"
    _with_good(root, 1)
    (root / "empty.txt").write_bytes(b"")
    args = [str(root), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-narrative", "--strict"]
    assert _cli(*args).returncode == 1
    rerun = _cli(*args)
    assert rerun.returncode == 1
    assert "--strict: 1 failed documents on record" in rerun.stderr
    (root / "empty.txt").unlink()
    assert _cli(*args).returncode == 1  # the dataset keeps it until pruned
    assert _cli(*args, "--prune").returncode == 0


# ---------------------------------------------------------------- a document that kills its worker


def _workers(proc: psutil.Process) -> list[psutil.Process]:
    """The pool's worker processes below ``proc`` (children of its forkserver)."""
    out = []
    for child in proc.children(recursive=True):
        try:
            if "forkserver" in " ".join(child.parent().cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def test_a_document_that_kills_its_worker_twice_is_failed_and_the_rest_is_done(tmp_path: Path):
    # Before: BrokenProcessPool, exit 1 on every rerun, the good files of the batch never done.
    root = tmp_path / "in"
    _with_good(root, 5)
    line = GOOD.read_text("utf-8").replace("\n", "　")
    (root / "poison.txt").write_text(line * (1_000_000 // len(line.encode()) + 1), "utf-8")  # ~1.5 s
    out = tmp_path / "out"
    args = ["extract", str(root), "--out", str(out), "--jobs", "2", "--batch-size", "3", "--no-narrative"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.corpus.cli", *args], stderr=subprocess.PIPE, text=True
    )
    driver = psutil.Process(proc.pid)
    kills, last_kill, deadline = 0, 0, time.monotonic() + 120
    while kills < 2 and proc.poll() is None and time.monotonic() < deadline:
        for marker in (out / ".staging").glob("*.doing"):
            try:
                fresh = marker.stat().st_mtime_ns > last_kill and marker.read_text("utf-8").endswith(
                    "poison.txt"
                )
            except OSError:
                continue
            if fresh:  # a worker is on the poison document: kill it, as the OOM killer would
                for w in _workers(driver):
                    w.kill()
                kills, last_kill = kills + 1, time.time_ns()
                break
        time.sleep(0.01)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert kills == 2
    reasons = _reasons(out)
    assert reasons["poison.txt"].startswith("worker died: SIGKILL (out of memory?) while reading ")
    _good_ok(out, 5)
