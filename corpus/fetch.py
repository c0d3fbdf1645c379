"""``nianbao fetch URLS.txt|LIST.csv --archive DIR``: report pages and their attachments, kept by content.

Each url listed is downloaded; a page (HTML) is stored too and the attachments it links
(PDF, Word, WPS, Excel, OFD, ZIP, TXT …) are downloaded in turn, with the page as their
``referrer``.  Bytes go to ``DIR/objects/`` under their sha256 and every fetch is a row
of ``DIR/sources.parquet`` (:mod:`nianbao.corpus.archive`).  ``nianbao extract DIR`` then reads
the objects and carries url and fetch time into ``documents``.

Polite by default: one request at a time per host with ``delay`` seconds between them,
at most ``concurrency`` requests in flight overall, robots.txt honoured (fetched once per
host; none, or an error, allows all), a User-Agent naming nianbao, and retries with
exponential back-off on connection errors, timeouts, 429 and 5xx answers.  404 and other
4xx answers are recorded once, not retried.

Resumable: a url already stored is skipped (``refetch`` fetches it again); the table is
written every few fetches and at the end, atomically, and objects are written before
their row, so a killed run loses at most the fetches since the last write.  A re-fetch
that finds different bytes at a url keeps both objects and marks its row ``changed``
(``source.changed``: the page was edited silently), with the earlier ``previous_sha256``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import threading
import time
import urllib.robotparser
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import pyarrow as pa

from nianbao.corpus.archive import SOURCES_SCHEMA, object_path, read_sources, write_sources
from nianbao.normalize.version import EXTRACTOR_VERSION

USER_AGENT = f"nianbao/{EXTRACTOR_VERSION} (annual report collector; polite: robots.txt, one request per host at a time)"
ATTACHMENTS = (
    ".pdf",
    ".doc",
    ".docx",
    ".wps",
    ".xls",
    ".xlsx",
    ".et",
    ".ofd",
    ".zip",
    ".rar",
    ".7z",
    ".txt",
    ".rtf",
)
_SUFFIX_BY_TYPE = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/zip": ".zip",
    "text/plain": ".txt",
}
MAX_REDIRECTS = 10
SAVE_EVERY = 20  # rows between two writes of sources.parquet
CHANGED = "source.changed"


@dataclass(slots=True)
class Options:
    delay: float = 1.0  # seconds between two requests to one host
    concurrency: int = 4  # requests in flight, all hosts together
    retries: int = 3  # further tries after a failed one
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    timeout: float = 30.0
    robots: bool = True
    follow_links: bool = True
    refetch: bool = False
    max_bytes: int = 200 * 1024 * 1024
    user_agent: str = USER_AGENT


@dataclass(slots=True)
class FetchSummary:
    listed: int = 0
    fetched: int = 0
    stored: int = 0
    skipped: int = 0  # already in the archive
    failed: int = 0
    changed: int = 0
    disallowed: int = 0
    rows: list[dict] = field(default_factory=list)


def read_list(path: Path) -> list[tuple[str, str | None]]:
    """(url, title) pairs: a .csv with a ``url`` column (``title`` optional), else one url a line."""
    path = Path(path)
    text = path.read_text("utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if rows and "url" not in rows[0]:
            raise ValueError(f"{path}: a list in CSV needs a 'url' column (has {', '.join(rows[0])})")
        return [(r["url"].strip(), (r.get("title") or "").strip() or None) for r in rows if r.get("url")]
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append((line, None))
    return out


def attachment_links(html: bytes, base: str) -> list[tuple[str, str]]:
    """(absolute url, link text) of the attachments a page links, in page order, once each."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html)
    except Exception:  # lxml refuses an empty or broken page: no links
        return []
    seen, out = set(), []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = urldefrag(urljoin(base, href)).url
        if urlsplit(url).path.lower().endswith(ATTACHMENTS) and url not in seen:
            seen.add(url)
            out.append((url, " ".join(a.text_content().split()) or None))
    return out


class _Hosts:
    """One request at a time per host, ``delay`` apart; robots.txt per host."""

    def __init__(self, client: httpx.Client, opts: Options):
        self.client, self.opts = client, opts
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._guard = threading.Lock()

    def lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def wait(self, host: str) -> None:
        """Called with the host's lock held: sleep until ``delay`` has passed since its last request."""
        last = self._last.get(host)
        if last is not None:
            pause = self.opts.delay - (time.monotonic() - last)
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def allowed(self, url: str) -> bool:
        if not self.opts.robots:
            return True
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            robots_url = f"{parts.scheme}://{host}/robots.txt"
            parser: urllib.robotparser.RobotFileParser | None = None
            with self.lock(host):
                self.wait(host)
                try:
                    r = self.client.get(robots_url)
                    if r.status_code == 200:
                        parser = urllib.robotparser.RobotFileParser(robots_url)
                        parser.parse(r.text.splitlines())
                except httpx.HTTPError:
                    parser = None  # no robots.txt to be had: allowed
            self._robots[host] = parser
        parser = self._robots[host]
        return parser is None or parser.can_fetch(self.opts.user_agent, url)


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _suffix(url: str, content_type: str | None) -> str:
    ext = os.path.splitext(urlsplit(url).path)[1].lower()
    if ext in ATTACHMENTS or ext in (".html", ".htm", ".shtml"):
        return ".html" if ext in (".htm", ".shtml") else ext
    return _SUFFIX_BY_TYPE.get((content_type or "").split(";")[0].strip().lower(), "")


def _store(archive: Path, data: bytes, suffix: str) -> tuple[str, str]:
    sha = hashlib.sha256(data).hexdigest()
    rel = object_path(sha, suffix)
    dest = archive / rel
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    return sha, rel


def _is_html(content_type: str | None, data: bytes) -> bool:
    ct = (content_type or "").lower()
    if "html" in ct:
        return True
    head = data[:512].lstrip().lower()
    return not ct and head.startswith((b"<!doctype html", b"<html"))


class Fetcher:
    def __init__(
        self, archive: Path, opts: Options | None = None, on_row: Callable[[dict], None] | None = None
    ):
        self.archive = Path(archive)
        self.opts = opts or Options()
        self.on_row = on_row
        self.archive.mkdir(parents=True, exist_ok=True)
        self._old = read_sources(self.archive)
        last: dict[str, str] = {}
        for r in sorted(self._old.to_pylist(), key=lambda r: r["fetched_at"]):
            if r["sha256"]:
                last[r["url"]] = r["sha256"]
        self._last_sha = last  # url -> sha256 of its latest stored fetch
        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._queued: set[str] = set()
        self.summary = FetchSummary()

    # -- one url ---------------------------------------------------------------

    def _get(self, client: httpx.Client, hosts: _Hosts, url: str) -> tuple[httpx.Response | None, str | None]:
        """The response (redirects followed, each hop a request of its own; after retries), or None and why."""
        for _hop in range(MAX_REDIRECTS + 1):
            r, error = self._get_one(client, hosts, url)
            if r is None or not r.has_redirect_location:
                return r, error
            url = urljoin(str(r.url), r.headers["location"])
            if not hosts.allowed(url):
                return None, f"redirected to {url}, disallowed by robots.txt"
        return None, f"more than {MAX_REDIRECTS} redirects"

    def _get_one(
        self, client: httpx.Client, hosts: _Hosts, url: str
    ) -> tuple[httpx.Response | None, str | None]:
        host = urlsplit(url).netloc
        error = None
        for attempt in range(self.opts.retries + 1):
            if attempt:
                time.sleep(self.opts.backoff * 2 ** (attempt - 1))
            with hosts.lock(host):
                hosts.wait(host)
                try:
                    r = client.get(url)
                except httpx.TimeoutException:
                    error = f"timed out after {self.opts.timeout:g} s"
                    continue
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"[:300]
                    continue
            if _retryable(r.status_code) and attempt < self.opts.retries:
                error = f"HTTP {r.status_code}"
                continue
            return r, None
        return None, error

    def _fetch(
        self, client: httpx.Client, hosts: _Hosts, url: str, referrer: str | None, title: str | None
    ) -> list:
        """Fetch one url; returns the attachments to fetch next as (url, referrer, title)."""
        row = {f.name: None for f in SOURCES_SCHEMA}
        row.update(url=url, referrer=referrer, title=title, changed=False)
        if not hosts.allowed(url):
            row.update(fetched_at=datetime.now(UTC), error="disallowed by robots.txt")
            self._record(row, disallowed=True)
            return []
        r, error = self._get(client, hosts, url)
        row["fetched_at"] = datetime.now(UTC)
        if r is None:
            row["error"] = error
            self._record(row, failed=True)
            return []
        data = r.content
        row.update(final_url=str(r.url), status=r.status_code, content_type=r.headers.get("content-type"))
        if r.status_code != 200:
            row["error"] = f"HTTP {r.status_code}"
            self._record(row, failed=True)
            return []
        if len(data) > self.opts.max_bytes:
            row["error"] = f"{len(data):,} bytes, past the limit of {self.opts.max_bytes:,}"
            self._record(row, failed=True)
            return []
        sha, rel = _store(self.archive, data, _suffix(str(r.url), row["content_type"]))
        row.update(sha256=sha, size=len(data), path=rel)
        previous = self._last_sha.get(url)
        if previous and previous != sha:
            row.update(changed=True, previous_sha256=previous, error=None)
        with self._lock:
            self._last_sha[url] = sha
        self._record(row, stored=True)
        if self.opts.follow_links and _is_html(row["content_type"], data):
            return [(link, str(r.url), text) for link, text in attachment_links(data, str(r.url))]
        return []

    def _record(self, row: dict, **what: bool) -> None:
        with self._lock:
            s = self.summary
            s.fetched += 1
            s.stored += what.get("stored", False)
            s.failed += what.get("failed", False)
            s.disallowed += what.get("disallowed", False)
            s.changed += bool(row.get("changed"))
            self._rows.append(row)
            s.rows.append(row)
            if len(self._rows) % SAVE_EVERY == 0:
                self._save()
        if self.on_row:
            self.on_row(row)

    def _save(self) -> None:
        new = pa.Table.from_pylist(self._rows, schema=SOURCES_SCHEMA)
        write_sources(self.archive, pa.concat_tables([self._old, new]))

    # -- the run ---------------------------------------------------------------

    def _done_before(self, url: str) -> bool:
        return not self.opts.refetch and url in self._last_sha

    def run(self, urls: Iterable[tuple[str, str | None]]) -> FetchSummary:
        headers = {"User-Agent": self.opts.user_agent}
        limits = httpx.Limits(max_connections=self.opts.concurrency)
        with (
            httpx.Client(
                headers=headers, timeout=self.opts.timeout, follow_redirects=False, limits=limits
            ) as client,
            ThreadPoolExecutor(self.opts.concurrency) as pool,
        ):
            hosts = _Hosts(client, self.opts)
            pending = []

            def submit(url: str, referrer: str | None, title: str | None) -> None:
                with self._lock:
                    if url in self._queued:
                        return
                    self._queued.add(url)
                if self._done_before(url):
                    self.summary.skipped += 1
                    return
                pending.append(pool.submit(self._fetch, client, hosts, url, referrer, title))

            for url, title in urls:
                self.summary.listed += 1
                submit(url, None, title)
            while pending:
                fut = pending.pop(0)
                for link in fut.result():
                    submit(*link)
        with self._lock:
            self._save()
        return self.summary


def fetch(
    list_path: Path, archive: Path, opts: Options | None = None, on_row: Callable[[dict], None] | None = None
) -> FetchSummary:
    """Fetch every url of ``list_path`` (and the attachments its pages link) into ``archive``."""
    return Fetcher(archive, opts, on_row).run(read_list(list_path))
