"""The pictures of a web page: the bytes an ``<img>`` shows, when they are at hand.

Two sources are read, nothing is fetched:

* a ``data:`` URI (``data:image/png;base64,…``, RFC 2397): the bytes are in the page;
* a relative ``src`` (``t3.png``, ``images/t3.jpg``) of a page read from a file: the
  file next to the page, when it lies inside the page's folder (``../`` out of it, an
  absolute path or a link are not followed) and is no larger than the input limit.

The width the page shows a picture at (``width="600"`` or ``style="width:600px"``, CSS
pixels of 1/96 inch) gives its density; see :class:`nianbao.extract.readers.image.EmbeddedPicture`.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from lxml import etree

from nianbao.extract import limits
from nianbao.extract.readers.image import EmbeddedPicture

_CSS_WIDTH = re.compile(r"(?:^|;)\s*width\s*:\s*([\d.]+)\s*px", re.I)


def base_folder(name: str) -> Path | None:
    """The folder of the page's file, or None when the page is not a file on disk."""
    if not name:
        return None
    try:
        path = Path(name)
        return path.parent.resolve() if path.is_file() else None
    except (OSError, ValueError):
        return None


def picture(img: etree._Element, where: str, base: Path | None) -> EmbeddedPicture | None:
    """The picture an ``<img>`` shows, or None when its bytes are not at hand."""
    src = (img.get("src") or "").strip()
    if not src:
        return None
    if src[:5].lower() == "data:":
        data = _data_uri(src)
        name = src[: src.find(",")].split(";")[0] if "," in src else "data:"
    else:
        data = _local(src, base)
        name = src
    if not data:
        return None
    return EmbeddedPicture(data, where, name, _shown_width(img))


def _data_uri(src: str) -> bytes | None:
    head, sep, body = src.partition(",")
    if not sep or not head[5:].lower().startswith("image/"):
        return None
    if len(body) > limits.current().max_bytes * 4 // 3 + 4:
        return None
    try:
        if head.lower().endswith(";base64"):
            return base64.b64decode(re.sub(r"\s+", "", body))
        return unquote_to_bytes(body)
    except (binascii.Error, ValueError):
        return None


def _local(src: str, base: Path | None) -> bytes | None:
    if base is None:
        return None
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    try:
        path = (base / unquote(parts.path)).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return None
        if path.stat().st_size > limits.current().max_bytes:
            return None
        return path.read_bytes()
    except (OSError, ValueError):
        return None


def _shown_width(img: etree._Element) -> float | None:
    raw = img.get("width") or ""
    m = re.fullmatch(r"\s*([\d.]+)\s*(?:px)?\s*", raw)
    if not m:
        m = _CSS_WIDTH.search(img.get("style") or "")
    try:
        px = float(m.group(1)) if m else 0.0
    except ValueError:
        return None
    return px / 96.0 if px > 0 else None
