"""Print generated web pages to PDF with Chromium, as a reader saving a page would.

    python scripts/print_pdf.py SYNTH_HTML_DIR OUT_DIR [--plain]

SYNTH_HTML_DIR is the output of ``nianbao synth --formats html``; OUT_DIR gets one A4
PDF per page and a truth.jsonl pointing at them.  The layout is Chromium's, not the
project's: tables run over page breaks with no rule where the page cuts them, and a
table's columns may be laid out again on the next page.  By default the pages look
like a reader's print: 1 cm margins, the date and the page title at the top of each
page, the address and "1/4" at the bottom; ``--plain`` prints without margins or them.  Needs Playwright and a
Chromium (``/usr/bin/chromium``, or set CHROMIUM).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

AS_PRINTED = {"display_header_footer": True, "margin": {k: "1cm" for k in ("top", "bottom", "left", "right")}}


def main(src: Path, dst: Path, plain: bool = False) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        page = browser.new_page()
        for line in (src / "truth.jsonl").read_text("utf-8").splitlines():
            truth = json.loads(line)
            page.goto((src / truth["file"]).resolve().as_uri())
            name = Path(truth["file"]).with_suffix(".pdf").name
            page.pdf(path=str(dst / name), format="A4", **({} if plain else AS_PRINTED))
            out.append({**truth, "file": name, "format": "pdf"})
            print(name, file=sys.stderr)
        browser.close()
    (dst / "truth.jsonl").write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in out), "utf-8")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--plain"]
    if len(args) != 2:
        sys.exit(__doc__)
    main(Path(args[0]), Path(args[1]), plain="--plain" in sys.argv)
