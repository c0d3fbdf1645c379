"""Print generated web pages to PDF with Chromium, as a reader saving a page would.

    python scripts/print_pdf.py SYNTH_HTML_DIR OUT_DIR

SYNTH_HTML_DIR is the output of ``nianbao synth --formats html``; OUT_DIR gets one A4
PDF per page and a truth.jsonl pointing at them.  The layout is Chromium's, not the
project's: tables run over page breaks with no rule where the page cuts them, and a
table's columns may be laid out again on the next page.  Needs Playwright and a
Chromium (``/usr/bin/chromium``, or set CHROMIUM).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        page = browser.new_page()
        for line in (src / "truth.jsonl").read_text("utf-8").splitlines():
            truth = json.loads(line)
            page.goto((src / truth["file"]).resolve().as_uri())
            name = Path(truth["file"]).with_suffix(".pdf").name
            page.pdf(path=str(dst / name), format="A4")
            out.append({**truth, "file": name, "format": "pdf"})
            print(name, file=sys.stderr)
        browser.close()
    (dst / "truth.jsonl").write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in out), "utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
