"""A .zip bundling the report (as a DOCX), as agencies attach it.

The member sits at the top or in a folder (``2022年报/``); its name is written the way
a Chinese Windows zipper writes it, GBK bytes without the UTF-8 flag (bit 11), or the
way Python and macOS write it, UTF-8 with the flag.  Some bundles carry a macOS
``__MACOSX/`` resource fork beside it.  Member timestamps are fixed.
"""

from __future__ import annotations

import io
import random
import zipfile

from . import render_docx
from .report import Report


def _placeholder(n: int) -> str:
    return ("@" + "Z" * n)[:n]


def render(report: Report, rng: random.Random, stem: str) -> tuple[bytes, str]:
    """The archive's bytes and the path of the report inside it."""
    inner = render_docx.render(report, rng)
    folder = rng.choice(("", f"{report.year}年报/", "政府信息公开/"))
    name = f"{folder}{stem}.docx"
    gbk = rng.random() < 0.6
    when = (report.published.year, report.published.month, report.published.day, 10, 0, 0)
    raw_name = name.encode("gbk")
    stand_in = _placeholder(len(raw_name)) if gbk else name
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(stand_in, when), inner, compress_type=zipfile.ZIP_DEFLATED)
        if rng.random() < 0.2:
            z.writestr(zipfile.ZipInfo(f"__MACOSX/._{stem}.docx", when), b"\x00\x05\x16\x07")
    data = buf.getvalue()
    if gbk:  # the names as GBK bytes, flag bit 11 left unset (zipfile would write UTF-8)
        data = _rename(data, stand_in.encode(), raw_name)
    return data, name


def _rename(data: bytes, old: bytes, new: bytes) -> bytes:
    """Swap a member name of the same length in the local header and the central directory."""
    assert len(old) == len(new)
    n = data.count(old)
    if n < 2:
        raise AssertionError("placeholder name not found in the archive")
    return data.replace(old, new)
