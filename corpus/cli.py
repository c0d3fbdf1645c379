"""The ``nianbao`` command line: thin wrappers over the library.

nianbao extract PATH... --out DIR     reports -> Parquet datasets
nianbao check DIR                     re-run validation over a dataset
nianbao review DIR [ACTION ...]       list findings, record decisions, Excel round trip
nianbao query DIR "SQL"               DuckDB over the datasets and the views of nianbao.corpus.views
nianbao export DIR --to FILE          one .xlsx/.dta/.csv/.parquet with its codebook
nianbao report DIR --out FILE.html    a self-contained page: overview, compliance, bodies
nianbao synth --n N --out DIR         generated reports with known truth

One convention for the dataset folder: ``extract`` writes it (``--out DIR``, because it
takes any number of inputs), every other command reads it as its first argument ``DIR``.
A path that cannot be used (missing, a file where a folder is wanted, a folder without
a dataset) is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from nianbao.corpus.executors import DEFAULT_BATCH
from nianbao.extract.limits import DEFAULT as DEFAULT_LIMITS


class Lang(StrEnum):
    """The language of labels and messages."""

    zh = "zh"
    en = "en"


class OcrMode(StrEnum):
    """When pictures of pages are read by OCR (nianbao.extract.readers.ocr)."""

    auto = "auto"
    always = "always"
    never = "never"


app = typer.Typer(
    help="Turn government information disclosure annual reports (政府信息公开工作年度报告) into Parquet.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _fail(command: str, message: object, code: int = 2) -> typer.Exit:
    """Print one line on stderr; ``raise _fail(...)`` ends the command with ``code``."""
    console.print(f"[red]nianbao {command}: {escape(str(message))}[/]", soft_wrap=True)
    return typer.Exit(code)


def _dataset_dir(command: str, path: Path, *, documents: bool = True) -> Path:
    """``path`` if it is a folder written by 'nianbao extract' (``documents``; else any folder
    of Parquet datasets, such as a fetch archive), or one line and exit 2."""
    from nianbao.corpus.store import dataset_path

    if not path.exists():
        raise _fail(command, f"no such folder: {path}")
    if not path.is_dir():
        raise _fail(command, f"{path} is a file, not a dataset folder")
    found = dataset_path(path, "documents").exists() if documents else any(path.glob("*.parquet"))
    if not found:
        what = "no documents dataset" if documents else "no datasets (*.parquet)"
        empty = " (an empty folder)" if not any(path.iterdir()) else ""
        raise _fail(command, f"{what} in {path}{empty}: run 'nianbao extract REPORTS --out {path}' first")
    return path


def _out_folder(command: str, path: Path, option: str = "--out") -> Path:
    """A folder to write into (made if need be): one line and exit 2 if a file is there."""
    if path.exists() and not path.is_dir():
        raise _fail(command, f"{option} {path} is a file, not a folder")
    return path


def _version(value: bool) -> None:
    if value:
        from nianbao import __version__

        typer.echo(f"nianbao {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Turn government information disclosure annual reports (政府信息公开工作年度报告) into Parquet."""


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Report files and folders (walked recursively).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the datasets into.")],
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes (default: the cores; 1 = in-process).")
    ] = 0,
    dask: Annotated[
        str | None,
        typer.Option(
            help="Run on Dask: 'local' starts a LocalCluster of --jobs workers; tcp://HOST:8786 or a "
            "scheduler file (dask scheduler --scheduler-file) uses a running cluster, whose workers need "
            "nianbao installed and the inputs and DIR at the same paths."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Redo every input, even those already done.")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune", help="Drop the documents of inputs not given this time (DIR mirrors PATH... exactly)."
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Documents per batch (one part file each).")
    ] = DEFAULT_BATCH,
    narrative: Annotated[
        bool, typer.Option("--narrative/--no-narrative", help="Also write tokens, facts and tags.")
    ] = True,
    ocr: Annotated[
        OcrMode,
        typer.Option(
            "--ocr",
            help="Read pictures of pages by OCR: auto (PDF pages without a usable text layer, image files), "
            "always (every PDF page), never (a scan fails: no text layer).",
        ),
    ] = OcrMode.auto,
    strict: Annotated[
        bool, typer.Option(help="Exit 1 if any document on record failed (this run's or an earlier one's).")
    ] = False,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="Refuse input files larger than this (bytes).")
    ] = DEFAULT_LIMITS.max_bytes,
    timeout_per_doc: Annotated[
        float,
        typer.Option("--timeout-per-doc", min=0, help="Seconds one document may take (0: no limit)."),
    ] = DEFAULT_LIMITS.timeout,
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, help="Refuse PDFs with more pages than this.")
    ] = DEFAULT_LIMITS.max_pages,
    max_memory: Annotated[
        int,
        typer.Option(
            "--max-memory",
            min=0,
            help="Address space one worker process may take (bytes; 0: no cap). Past it the "
            "document it reads is recorded failed.",
        ),
    ] = DEFAULT_LIMITS.max_memory,
    max_text: Annotated[
        int,
        typer.Option("--max-text", min=0, help="Characters of text one document may hold (0: no limit)."),
    ] = DEFAULT_LIMITS.max_text,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="If another run is writing to DIR, wait for it instead of refusing."),
    ] = False,
) -> None:
    """Extract reports into DIR/documents, cells, sections, findings (+ tokens, facts, tags).

    Incremental and cumulative: inputs already done with this extractor version are
    skipped (see DIR/manifest.sqlite), new and changed ones added, and documents of
    earlier runs' inputs kept unless --prune; a killed run picks up where it stopped.
    """
    from nianbao.corpus.executors import WorkersUnusable
    from nianbao.corpus.inputs import InputError
    from nianbao.corpus.lock import OutputLocked
    from nianbao.corpus.run import run_extract

    _out_folder("extract", out)
    for p in paths:
        if p.is_dir() and not _holds_a_file(p):
            raise _fail("extract", f"no files in {p} (an empty folder)")
    limits = DEFAULT_LIMITS.with_(
        max_bytes=max_bytes,
        timeout=timeout_per_doc,
        max_pages=max_pages,
        max_memory=max_memory,
        max_text=max_text,
    )
    try:
        with _progress() as bar:
            task = bar.add_task("extracting", total=None)
            summary = run_extract(
                paths,
                out,
                jobs=jobs or None,
                dask=dask,
                force=force,
                prune=prune,
                batch_size=batch_size,
                narrative=narrative,
                limits=limits,
                ocr=ocr.value,
                wait=wait,
                on_total=lambda n: bar.update(task, total=n),
                on_progress=lambda n: bar.advance(task, n),
            )
    except (InputError, OutputLocked, WorkersUnusable) as exc:
        raise _fail("extract", exc) from None
    except OSError as exc:  # disk full, permissions on DIR ...: what went wrong, where
        where = f": {exc.filename}" if exc.filename else ""
        raise _fail("extract", f"{exc.strerror or exc}{where}", 1) from None
    s = summary.status
    rate = summary.documents / summary.seconds if summary.seconds else 0.0
    skipped = f", {summary.skipped} unchanged inputs skipped" if summary.skipped else ""
    console.print(
        f"[bold]{summary.documents}[/] documents: [green]{s['ok']} ok[/], [yellow]{s['partial']} partial[/], "
        f"[red]{s['failed']} failed[/]; {summary.cells} cells, {summary.findings} findings{skipped} "
        f"in {summary.seconds:.1f}s ({rate:.1f} docs/s) -> {out}"
    )
    if prune:
        console.print(
            f"--prune: removed {summary.pruned_documents} documents "
            f"({summary.pruned_inputs} inputs not given this time)"
        )
    if strict and (s["failed"] or summary.failed_on_record):
        if summary.failed_on_record > s["failed"]:
            console.print(
                f"--strict: {summary.failed_on_record} failed documents on record in {out}", soft_wrap=True
            )
        raise typer.Exit(1)


def _holds_a_file(folder: Path) -> bool:
    """Whether anything but folders is below ``folder`` (stops at the first one found)."""
    for _root, _dirs, files in os.walk(folder):
        if files:
            return True
    return False


class OutputFormat(StrEnum):
    """How ``nianbao query`` prints a result (nianbao.corpus.query.FORMATS)."""

    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    records = "records"


@app.command()
def query(
    dataset: Annotated[
        Path, typer.Argument(help="A folder written by 'nianbao extract'.", show_default=False)
    ],
    sql: Annotated[
        str | None,
        typer.Argument(
            help="SQL over the datasets (documents, cells, sections, findings, ...) and the views "
            "reports, requests, refusals, reviews_lawsuits, labels.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="table; csv, json (one array), jsonl (an object a line) or records (one field a line).",
        ),
    ] = OutputFormat.table,
    to: Annotated[
        Path | None, typer.Option("--to", help="Write the result to this .csv or .parquet file instead.")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            help="Rows to print at most (default: 50 for table and records, all for csv, json, jsonl; "
            "0: all; not applied with --to)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", hidden=True)] = None,
) -> None:
    """Run DuckDB SQL over a dataset: one view per dataset, the manifest, and the convenience views."""
    from nianbao.corpus.query import FORMATS, QueryError, print_result, run_query, write_result

    if out is not None:  # the old form: nianbao query "SQL" --out DIR
        if sql is not None:
            raise _fail("query", 'give the folder once: nianbao query DIR "SQL"')
        dataset, sql = out, str(dataset)
        console.print(f'--out is deprecated: nianbao query {out} "SQL"', soft_wrap=True)
    if sql is None:
        raise _fail("query", 'no SQL given: nianbao query DIR "select ..."')
    _dataset_dir("query", dataset, documents=False)
    if limit is None:
        limit = 50 if fmt in (OutputFormat.table, OutputFormat.records) else 0
    try:
        result = run_query(dataset, sql, to=to, limit=limit or None)
    except QueryError as exc:
        raise _fail("query", exc) from None
    if to is not None:
        console.print(f"{result.rows} rows -> {to}")
    elif fmt is OutputFormat.table:
        print_result(result, Console(), limit=limit or result.rows)
    else:
        assert fmt.value in FORMATS
        write_result(result, fmt.value, typer.get_text_stream("stdout"))
        if result.rows > len(result.head or []):
            console.print(f"first {len(result.head or [])} of {result.rows} rows (--limit 0 for all)")


@app.command()
def check(
    dataset: Annotated[Path, typer.Argument(help="A folder written by 'nianbao extract'.")],
    lang: Annotated[Lang, typer.Option(help="Language of the summary: zh or en.")] = Lang.zh,
    limit: Annotated[int, typer.Option(help="Bodies listed at most (0: all).")] = 40,
    wait: Annotated[
        bool, typer.Option("--wait", help="If a run is writing to DIR, wait for it instead of refusing.")
    ] = False,
) -> None:
    """Re-run every validation rule over a dataset (no re-parsing): findings by rule and severity,
    on-time rate, the bodies with the most findings."""
    from nianbao.corpus.check import run_check
    from nianbao.corpus.check_summary import print_overview
    from nianbao.corpus.lock import OutputLocked

    _dataset_dir("check", dataset)
    try:
        summary = run_check(dataset, wait=wait)
    except (OutputLocked, FileNotFoundError) as exc:
        raise _fail("check", exc) from None
    print_overview(Console(), dataset, summary, lang=lang.value, limit=limit)


@app.command()
def fetch(
    urls: Annotated[Path, typer.Argument(help="A .txt of urls (one a line) or a .csv with a 'url' column.")],
    archive: Annotated[
        Path, typer.Option("--archive", "-a", help="The archive folder (created if need be).")
    ],
    delay: Annotated[float, typer.Option(help="Seconds between two requests to one host.")] = 1.0,
    concurrency: Annotated[int, typer.Option(help="Requests in flight, all hosts together.")] = 4,
    retries: Annotated[int, typer.Option(help="Tries after a failed one (errors, timeouts, 429, 5xx).")] = 3,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.")] = 30.0,
    refetch: Annotated[bool, typer.Option(help="Fetch urls already in the archive again.")] = False,
    robots: Annotated[bool, typer.Option("--robots/--ignore-robots", help="Honour robots.txt.")] = True,
    links: Annotated[
        bool, typer.Option("--links/--no-links", help="Download the attachments pages link.")
    ] = True,
) -> None:
    """Download report pages and their attachments into a content-addressed archive (sources.parquet)."""
    from nianbao.corpus.fetch import Options
    from nianbao.corpus.fetch import fetch as run_fetch

    _out_folder("fetch", archive, "--archive")
    opts = Options(
        delay=delay,
        concurrency=concurrency,
        retries=retries,
        timeout=timeout,
        refetch=refetch,
        robots=robots,
        follow_links=links,
    )

    def show(row: dict) -> None:
        what = "changed" if row["changed"] else row["error"] or f"{row['size']:,} bytes"
        console.print(f"{row['status'] or '-'} {row['url']} [dim]{what}[/]", soft_wrap=True)

    try:
        s = run_fetch(urls, archive, opts, on_row=show)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise _fail("fetch", f"{exc.strerror or exc}{where}") from None
    except ValueError as exc:
        raise _fail("fetch", exc) from None
    console.print(
        f"{s.listed} listed, {s.fetched} fetched: {s.stored} stored, {s.failed} failed, "
        f"{s.disallowed} disallowed by robots.txt, {s.skipped} already in the archive, "
        f"{s.changed} changed since the last fetch (source.changed) -> {archive}",
        soft_wrap=True,
    )


REVIEW_ACTIONS = ("list", "confirm", "dismiss", "reopen", "export", "import")


@app.command()
def review(
    dataset: Annotated[Path, typer.Argument(help="A folder written by 'nianbao extract'.")],
    action: Annotated[
        str, typer.Argument(help="list (default), confirm, dismiss, reopen, export or import.")
    ] = "list",
    args: Annotated[
        list[str] | None,
        typer.Argument(help="Finding ids (or unique prefixes) to decide on; the .xlsx for export/import."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why: kept with the decision.")] = None,
    by: Annotated[str | None, typer.Option(help="Reviewer's name (default: the login name).")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="Only findings in this status: open, confirmed, dismissed, resolved or all "
            "(default: open for list, all for export)."
        ),
    ] = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule (or family, e.g. t3).")] = None,
    severity: Annotated[str | None, typer.Option(help="Only error, warning or info.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only bodies whose name contains this.")] = None,
    year: Annotated[int | None, typer.Option(help="Only this report year.")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print at most.")] = 50,
) -> None:
    """Review findings: list them, confirm or dismiss them, round trip through Excel.

    Decisions go to DIR/reviews.parquet with time and reviewer and survive re-extracts
    and re-checks; a finding no longer found keeps its history as 'resolved'.
    """
    from nianbao.corpus import review as rv

    _dataset_dir("review", dataset)
    args = args or []
    filters = {"rule": rule, "severity": severity, "agency": agency, "year": year}
    try:
        if action not in REVIEW_ACTIONS:
            raise rv.ReviewError(f"unknown action {action!r}; one of {', '.join(REVIEW_ACTIONS)}")
        if action == "list":
            status = status or "open"
            frame = rv.list_findings(dataset, status=None if status == "all" else status, **filters)
            rv.print_findings(Console(), frame, limit=limit, status=status)
        elif action in ("export", "import"):
            if len(args) != 1:
                raise rv.ReviewError(f"review {action} takes one .xlsx file")
            sheet = Path(args[0])
            if action == "export":
                wanted = None if status in (None, "all") else status
                n = rv.export_sheet(dataset, sheet, status=wanted, **filters)
                console.print(f"{n} findings -> {sheet}")
            else:
                done = rv.import_sheet(dataset, sheet, by=by)
                console.print(
                    f"{len(done.recorded)} decisions recorded, {len(done.unchanged)} rows unchanged "
                    f"-> {dataset / rv.REVIEWS}"
                )
        else:
            done = rv.decide(dataset, args, action, note=note, by=by)
            for fid in done.recorded:
                console.print(f"{fid} {rv.STATUS_OF[action]}")
            for fid in done.unchanged:
                console.print(f"{fid} already {rv.STATUS_OF[action]}: nothing recorded")
    except rv.ReviewError as exc:
        raise _fail("review", exc) from None


@app.command()
def keywords(
    dataset: Annotated[
        Path, typer.Argument(help="A folder written by 'nianbao extract' (with --narrative).")
    ],
    top: Annotated[int, typer.Option(help="Keywords kept per document and section.")] = 10,
) -> None:
    """Recompute DIR/keywords.parquet: TF-IDF per section, weighted by the whole dataset."""
    from nianbao.corpus.keywords import write_keywords

    _dataset_dir("keywords", dataset)
    try:
        rows = write_keywords(dataset, top)
    except FileNotFoundError as exc:
        raise _fail("keywords", exc) from None
    console.print(f"{rows} keywords -> {dataset / 'keywords.parquet'}")


@app.command()
def synth(
    n: Annotated[int, typer.Option("--n", help="How many reports to write.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the reports and truth.jsonl.")],
    formats: Annotated[
        str,
        typer.Option(
            help="Comma-separated formats: docx,pdf,html,txt (the default mix), xlsx, zip, ofd, scan."
        ),
    ] = "docx,pdf,html,txt",
    template: Annotated[str, typer.Option(help="2021, 2019 or mixed (by report year).")] = "mixed",
    error_rate: Annotated[
        float, typer.Option(help="Share of reports with one identity broken on purpose.")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    hard: Annotated[
        bool,
        typer.Option(
            "--hard", help="Draw the hard layout families much more often (see corpus/synth/render_txt.py)."
        ),
    ] = False,
) -> None:
    """Generate realistic reports whose every number is known (truth in OUT/truth.jsonl)."""
    from nianbao.corpus.synth import generate

    _out_folder("synth", out)
    with _progress() as bar:
        task = bar.add_task("generating", total=n)
        truth = generate(
            n,
            out,
            formats=[f.strip() for f in formats.split(",") if f.strip()],
            template=template,
            error_rate=error_rate,
            seed=seed,
            hard=hard,
            progress=lambda _k: bar.advance(task),
        )
    console.print(f"{n} reports -> {out} (truth: {truth})")


@app.command()
def export(
    dataset: Annotated[Path, typer.Argument(help="A folder written by 'nianbao extract'.")],
    to: Annotated[Path, typer.Option("--to", help="File to write: .xlsx, .dta, .csv or .parquet.")],
    wide: Annotated[
        bool, typer.Option("--wide", help="One row per report, one column per cell (default: long).")
    ] = False,
    lang: Annotated[Lang, typer.Option(help="Language of the labels: zh or en.")] = Lang.zh,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
) -> None:
    """Export the dataset with its codebook (xlsx sheet, Stata labels, or FILE.codebook.csv/.md)."""
    from nianbao.corpus.export import ExportError
    from nianbao.corpus.export import export as run_export

    _dataset_dir("export", dataset)
    try:
        rows, files = run_export(dataset, to, wide=wide, lang=lang.value, force=force)
    except ExportError as exc:
        raise _fail("export", exc) from None
    console.print(f"{rows} rows -> {', '.join(str(f) for f in files)}", soft_wrap=True)


@app.command()
def report(
    dataset: Annotated[Path, typer.Argument(help="A folder written by 'nianbao extract'.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The .html file to write.")],
    crops: Annotated[
        bool, typer.Option("--crops/--no-crops", help="Pictures of the PDF cells findings point at.")
    ] = True,
) -> None:
    """One self-contained HTML page: overview, compliance among peers, a page per body, findings."""
    from nianbao.corpus.export import ExportError
    from nianbao.corpus.report_page import write_report

    _dataset_dir("report", dataset)
    try:
        path = write_report(dataset, out, crops=crops)
    except ExportError as exc:
        raise _fail("report", exc) from None
    console.print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")


def main() -> None:  # pragma: no cover - entry point for python -m
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
