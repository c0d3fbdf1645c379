"""``nianbao fetch`` against a web server of the test's own, on loopback."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from nianbao.corpus.archive import read_sources
from nianbao.corpus.fetch import Options, attachment_links, fetch, read_list
from nianbao.corpus.run import run_extract

REAL = Path(__file__).parent / "fixtures" / "real"
PDF = (REAL / "2024_huaian_szf.pdf").read_bytes()
TXT = (REAL / "2024_yiyuan_kejiju.txt").read_bytes()
PAGE = (
    "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gbk'>"
    "<title>淮安市人民政府2024年政府信息公开工作年度报告</title></head><body>"
    "<p>淮安市人民政府2024年政府信息公开工作年度报告，见附件：</p>"
    "<a href='/files/report.pdf'>年度报告（PDF）</a> <a href='/files/missing.docx'>旧版</a>"
    "<a href='/private/secret.pdf'>内部</a> <a href='#top'>返回顶部</a></body></html>"
).encode("gbk")


class Site:
    """Routes, hit counts and the request log of the server."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.log: list[tuple[float, str, str]] = []  # (time, path, user agent)
        self.changing = b"first version of the page"


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def send(self, status: int, body: bytes = b"", ctype: str = "text/plain", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the slow page)

        def do_GET(self) -> None:
            path = self.path
            site.hits[path] = site.hits.get(path, 0) + 1
            site.log.append((time.monotonic(), path, self.headers.get("User-Agent", "")))
            n = site.hits[path]
            if path == "/robots.txt":
                self.send(200, b"User-agent: *\nDisallow: /private/\n")
            elif path == "/list.html":
                self.send(200, PAGE, "text/html; charset=gbk")
            elif path == "/files/report.pdf":
                self.send(200, PDF, "application/pdf")
            elif path == "/old-report":
                self.send(302, location="/new/report.txt")
            elif path == "/new/report.txt":
                self.send(200, TXT, "text/plain; charset=utf-8")
            elif path == "/flaky.txt":  # two server errors, then the answer
                if n <= 2:
                    self.send(500, b"busy")
                else:
                    self.send(200, b"flaky but there in the end")
            elif path == "/broken":
                self.send(500, b"always broken")
            elif path == "/slow":
                time.sleep(1.5)  # past the client's timeout
                self.send(200, b"too late")
            elif path == "/changing.txt":
                self.send(200, site.changing)
            else:
                self.send(404, b"not found")

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Site]]:
    site = Site()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    finally:
        httpd.shutdown()
        httpd.server_close()


FAST = Options(delay=0.05, concurrency=4, retries=2, backoff=0.05, timeout=1.0)


def sources(archive: Path) -> pd.DataFrame:
    return read_sources(archive).to_pandas()


def test_read_list(tmp_path: Path) -> None:
    (tmp_path / "urls.txt").write_text("# reports\nhttp://a/1\n\nhttp://a/2\n", "utf-8")
    assert read_list(tmp_path / "urls.txt") == [("http://a/1", None), ("http://a/2", None)]
    (tmp_path / "list.csv").write_text("title,url\n报告,http://a/1\n", "utf-8")
    assert read_list(tmp_path / "list.csv") == [("http://a/1", "报告")]
    (tmp_path / "bad.csv").write_text("link\nhttp://a/1\n", "utf-8")
    with pytest.raises(ValueError, match="'url' column"):
        read_list(tmp_path / "bad.csv")


def test_links_of_a_gbk_page() -> None:
    links = attachment_links(PAGE, "http://h/dir/list.html")
    assert links == [
        ("http://h/files/report.pdf", "年度报告（PDF）"),
        ("http://h/files/missing.docx", "旧版"),
        ("http://h/private/secret.pdf", "内部"),
    ]


def test_fetch_pages_attachments_and_failures(server: tuple[str, Site], tmp_path: Path) -> None:
    base, site = server
    urls = tmp_path / "urls.txt"
    names = ["/list.html", "/old-report", "/flaky.txt", "/broken", "/slow", "/nothing-here"]
    urls.write_text("\n".join(base + p for p in names), "utf-8")
    archive = tmp_path / "archive"
    summary = fetch(urls, archive, FAST)
    s = sources(archive).set_index("url")

    # the GBK page and the PDF it links, stored by content, the page as referrer
    page, pdf = s.loc[base + "/list.html"], s.loc[base + "/files/report.pdf"]
    assert page["status"] == 200 and pdf["referrer"] == base + "/list.html"
    assert pdf["content_type"] == "application/pdf" and pdf["title"] == "年度报告（PDF）"
    assert (archive / pdf["path"]).read_bytes() == PDF and pdf["path"].endswith(pdf["sha256"] + ".pdf")
    # a redirect: the url listed and where it led
    red = s.loc[base + "/old-report"]
    assert red["final_url"] == base + "/new/report.txt" and (archive / red["path"]).read_bytes() == TXT
    # retried until the server answered; a 404 recorded once; a 500 given up after the retries
    assert s.loc[base + "/flaky.txt", "status"] == 200 and site.hits["/flaky.txt"] == 3
    assert s.loc[base + "/files/missing.docx", ["status", "error"]].tolist() == [404, "HTTP 404"]
    assert site.hits["/files/missing.docx"] == 1 and site.hits["/nothing-here"] == 1
    assert s.loc[base + "/broken", ["status", "error"]].tolist() == [500, "HTTP 500"]
    assert site.hits["/broken"] == 1 + FAST.retries
    # too slow: timed out on every try, nothing stored
    assert pd.isna(s.loc[base + "/slow", "sha256"]) and "timed out" in s.loc[base + "/slow", "error"]
    # robots.txt honoured, a User-Agent that names the tool
    assert s.loc[base + "/private/secret.pdf", "error"] == "disallowed by robots.txt"
    assert "/private/secret.pdf" not in site.hits
    assert all(ua.startswith("nianbao/") for _, _, ua in site.log)
    assert summary.stored == 4 and summary.disallowed == 1

    # one request at a time per host, FAST.delay apart
    times = sorted(t for t, _, _ in site.log)
    assert min(b - a for a, b in itertools.pairwise(times)) >= FAST.delay * 0.8

    # resumable: what is stored is not fetched again, what failed is tried again
    before = dict(site.hits)
    again = fetch(urls, archive, FAST)
    assert site.hits["/list.html"] == before["/list.html"] and site.hits["/files/report.pdf"] == 1
    assert site.hits["/broken"] > before["/broken"]
    assert again.skipped >= 3 and len(sources(archive)) > len(s)


def test_extract_over_the_archive_carries_url_and_fetch_time(
    server: tuple[str, Site], tmp_path: Path
) -> None:
    base, _site = server
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{base}/list.html\n{base}/old-report\n", "utf-8")
    archive = tmp_path / "archive"
    fetch(urls, archive, FAST)
    out = tmp_path / "ds"
    run_extract([archive], out, jobs=1, narrative=False)
    d = pd.read_parquet(out / "documents.parquet").set_index("url")
    pdf, page, txt = (d.loc[base + p] for p in ("/files/report.pdf", "/list.html", "/new/report.txt"))
    assert (pdf["agency"], pdf["format"], txt["agency"]) == ("淮安市人民政府", "pdf", "沂源县科学技术局")
    s = sources(archive).set_index("sha256")
    assert pdf["fetched_at"] == s.loc[pdf["doc_id"], "fetched_at"] and pd.notna(txt["fetched_at"])
    # the page names the same body and year as its attachment: the complete report counts
    assert page["agency"] == "淮安市人民政府" and pdf["canonical"] and not page["canonical"]
    assert "sources.parquet" not in " ".join(d["source"])  # the table is not read as a report


def test_a_silent_edit_keeps_both_versions(server: tuple[str, Site], tmp_path: Path) -> None:
    base, site = server
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{base}/changing.txt\n", "utf-8")
    archive = tmp_path / "archive"
    fetch(urls, archive, FAST)
    fetch(urls, archive, _refetch())  # the same bytes: not a change
    site.changing = b"second version, edited without notice"
    summary = fetch(urls, archive, _refetch())
    s = sources(archive)
    assert len(s) == 3 and s["changed"].tolist() == [False, False, True]
    assert summary.changed == 1
    last = s.iloc[-1]
    assert last["previous_sha256"] == s.iloc[0]["sha256"] != last["sha256"]
    assert all((archive / p).exists() for p in s["path"])  # both versions kept


def _refetch() -> Options:
    return Options(
        delay=FAST.delay, retries=FAST.retries, backoff=FAST.backoff, timeout=FAST.timeout, refetch=True
    )


def test_the_fetch_command(server: tuple[str, Site], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nianbao.corpus.cli import app

    base, _site = server
    (tmp_path / "list.csv").write_text(f"url,title\n{base}/old-report,沂源\n{base}/gone,\n", "utf-8")
    args = [
        "fetch",
        str(tmp_path / "list.csv"),
        "--archive",
        str(tmp_path / "a"),
        "--delay",
        "0",
        "--retries",
        "0",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 listed, 2 fetched: 1 stored, 1 failed" in " ".join(result.output.split())
    s = sources(tmp_path / "a").set_index("url")
    assert s.loc[f"{base}/old-report", "title"] == "沂源"
    missing = CliRunner().invoke(app, ["fetch", str(tmp_path / "none.txt"), "--archive", str(tmp_path / "a")])
    assert missing.exit_code == 2 and "nianbao fetch:" in missing.output
