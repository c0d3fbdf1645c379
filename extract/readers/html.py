"""Read a report published as a web page (or a fragment of one).

Government sites wrap the report in a page: navigation, breadcrumbs ("当前位置"), a
metadata box (索引号 / 发布机构 / 发布日期 ...), share bars, a footer.  The reader

1. decodes the bytes (BOM, ``<meta charset>`` / ``http-equiv``, else sniffing; see
   :mod:`nianbao.extract.encoding`) and parses them with lxml's HTML parser, which also accepts
   a bare fragment without ``<html>``/``<head>`` (the page body as stored in a CMS);
2. reads ``<title>`` and the metadata box into :attr:`Document.meta`;
3. removes scripts, styles and chrome (elements tagged or classed as navigation,
   breadcrumbs, share bars, footers ...) unless they hold a report table;
4. picks the content container: the deepest element holding most of the page's
   non-link CJK text, widened until it also holds every data table of the page;
5. walks the container in document order.  Block elements (p, div, h1-h6, li, ...)
   end paragraphs, and so does ``<br>``; inline runs (span, font, b ...) are joined
   with no separator, so a label split over two runs stays one label.  A line break
   in the source between two CJK characters is dropped (CSS segment-break rules);
   other source whitespace collapses to one space.  ``&nbsp;`` becomes a space and
   U+3000 is kept; downstream normalises both.

Tables: layout tables (holding other tables, or one column of running text) are
walked as flow; the innermost tables are the report's data tables.  Their cells are
placed on a slot grid as the HTML table model does: each cell takes the first free
slot of its row, ``colspan``/``rowspan`` claim slots to the right and below, a span
running into an already claimed slot or past the last row is clipped, and slots no
cell reaches are filled with empty cells.  ``<br>`` and block boundaries inside a
cell become ``"\\n"``.

Pictures: an ``<img>`` whose bytes are at hand (a ``data:`` URI, or a file next to the
page: :mod:`nianbao.extract.readers._html_images`) stands after the text of its paragraph; one
that holds a ruled table is read by OCR and its table takes that place, with the
``<img>``'s XPath and the picture's name (``…/p[9]/img:data:image/png``), the cell's box
in the picture and the OCR confidence as provenance
(:func:`nianbao.extract.readers.image.read_embedded`).  A page of pictures alone is read whole.

Provenance: a cell's ``path`` is ``table[k]/tr[r]/td[c]`` (k counts every ``<table>``
of the page in document order, r the rows of that table, c the cells of that row,
all 1-based); a paragraph's ``path`` is the XPath of its block element.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from lxml import etree

from nianbao.extract import limits
from nianbao.extract.encoding import decode_text
from nianbao.extract.errors import CorruptDocument, EmptyDocument
from nianbao.extract.model import Cell, Document, Paragraph, Provenance, Table
from nianbao.extract.readers import _html_images as images
from nianbao.extract.readers.image import EmbeddedPicture, read_embedded

__all__ = ["read"]

_DROP_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas select option button "
    "input textarea head title map area audio video".split()
)
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "header"})
_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article main blockquote pre center "
    "address caption figure figcaption hr tr td th tbody thead tfoot body html form fieldset "
    "legend details summary".split()
)
_CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|crumbs?|footer|share|bdshare|"
    r"sharebar|toolbar|sidebar|copyright|position|location|dqwz|search|login|banner|"
    r"pagination|pager|header|top|bottom|fontsize|zihao|ewm|qrcode)(?:$|[\s_-])",
    re.I,
)
_CHROME_LINE = re.compile(
    r"^[\s【\[]*(?:打印本页|打印|关闭窗口|关闭|分享到|收藏|字号|字体|【?大\s*中\s*小】?|"
    r"扫一扫在手机打开当前页|当前位置|您现在的位置|您当前的位置|返回顶部|上一篇|下一篇)"
)
_WS = re.compile(r"[ \t\r\n\f]+")
_CHARSET_META = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_WIDE = r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]"
_CJK_BREAK = re.compile(rf"(?<={_WIDE})[ \t]*[\r\n][ \t\r\n]*(?={_WIDE})")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_LEADING_INT = re.compile(r"\s*(\d+)")

_META_LABELS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号",),
    "agency": ("发布机构", "发文机关", "发文机构", "发布单位", "发文单位"),
    "published": ("发布日期", "发布时间", "发文日期", "成文日期"),
}
_ALL_META_LABELS = tuple(
    sorted(
        {lab for labs in _META_LABELS.values() for lab in labs}
        | {
            "主题分类",
            "文号",
            "发文字号",
            "体裁分类",
            "组配分类",
            "有效性",
            "生效日期",
            "废止日期",
            "主题词",
            "来源",
            "浏览次数",
            "信息来源",
            "公开方式",
            "公开范围",
            "时效",
        },
        key=len,
        reverse=True,
    )
)
_BOX_MARKERS = ("索引号", "发布机构", "发文机关", "主题分类", "成文日期")
_BOX_MARKER = re.compile("|".join(_BOX_MARKERS))
_LABEL_ALT = "|".join(map(re.escape, _ALL_META_LABELS))
_META_VALUE = re.compile(rf"({_LABEL_ALT})\s*[:：]?[\s\u3000\xa0]*(.*?)(?=\s*(?:{_LABEL_ALT})\s*[:：]|\n|$)")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def read(data: bytes, name: str = "") -> Document:
    """Read an HTML page or fragment into a :class:`Document`."""
    if not data or not data.strip():
        raise EmptyDocument("empty HTML file")
    cap = limits.current().max_page_bytes
    if cap and len(data) > cap:
        raise limits.LimitExceeded(
            f"web page of {len(data):,} bytes, past the limit of {cap // limits.MB} MB"
        )
    text, _encoding = decode_text(data, _declared_charset(data[:4096]))
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise EmptyDocument("empty HTML file")
    root = _parse(text)
    if root is None:
        raise EmptyDocument("HTML without content")

    meta: dict[str, str] = {}
    title = root.find(".//title")
    if title is not None:
        t = _WS.sub(" ", "".join(title.itertext()).replace("\xa0", " ")).strip()
        if t:
            meta["title"] = t

    body = root.find("body")
    if body is None:
        body = root
    for el in list(body.iter(*_DROP_TAGS)):
        _remove(el)
    # The sets and maps below hold lxml element proxies themselves (not their ids):
    # a proxy lives as long as it is referenced, so membership stays reliable.
    texts = _TEXT_NODES(body)
    meta.update(_read_meta_box(texts))

    table_no = {t: k for k, t in enumerate(body.iter("table"), 1)}
    boxes = _meta_boxes(body, texts)
    del texts
    data_tables = [t for t in table_no if t not in boxes and _is_data_table(t)]
    data_ids = set(data_tables)
    protected = _ancestors_of(data_tables)
    _strip_chrome(body, protected)
    container = _choose_container(body, data_tables)

    walker = _Walker(root.getroottree(), table_no, data_ids, boxes, container, images.base_folder(name))
    walker.walk(container)
    walker.flush()
    if walker.pictures:
        found, ocr_meta = read_embedded(walker.blocks)
        meta.update(ocr_meta)
    else:
        found = walker.blocks  # type: ignore[assignment]
    blocks = tuple(found)
    if not blocks:
        raise EmptyDocument("HTML page without text")
    return Document(format="html", blocks=blocks, pages=None, meta=meta)


# ---------------------------------------------------------------- parsing

# Inline formatting tags: the walker joins inline runs with nothing between them, so
# taking these tags out changes no text.  Pages that never close a <font> nest one
# level deeper per run.
_INLINE_TAG = re.compile(r"</?(?:font|span|b|i|u|s|em|strong|small|big|strike|tt|ins|mark)\b[^>]*>", re.I)


def _parse(text: str) -> etree._Element | None:
    """Parse the page; one that passes libxml2's limits is parsed again, not cut short.

    Without ``huge_tree`` libxml2 stops at 256 levels of nesting and at a text node of
    10 MB, and keeps what it read so far: the rest of the page would be lost without a
    word.  Such a page is parsed again with the limits raised and with the inline
    formatting tags taken out (an unclosed ``<font>`` repeated is the usual cause of the
    depth).  What is still nested deeper than ``max_depth`` is refused with the limit
    named.
    """
    data = text.encode("utf-8", "surrogatepass")
    root, hit = _parse_bytes(data, huge=False)
    if not hit:
        return root
    del root
    root, hit = _parse_bytes(_INLINE_TAG.sub("", text).encode("utf-8", "surrogatepass"), huge=True)
    most = limits.current().max_depth
    if hit or (root is not None and _depth(root) > most):
        raise limits.LimitExceeded(f"HTML nested deeper than {most} levels (inline tags left out)")
    return root


def _parse_bytes(data: bytes, huge: bool) -> tuple[etree._Element | None, bool]:
    """The parsed page, and whether the parser stopped at one of its resource limits."""
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=huge)
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise CorruptDocument(f"unparsable HTML: {exc}") from exc
    hit = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    return root, hit


def _depth(root: etree._Element) -> int:
    """How many levels of elements the tree has (walked without recursion)."""
    depth = most = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            most = max(most, depth)
        else:
            depth -= 1
    return most


# ---------------------------------------------------------------- decoding, metadata


def _declared_charset(head: bytes) -> str | None:
    """The charset a ``<meta charset>`` or ``http-equiv`` tag declares, if any."""
    m = _CHARSET_META.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def _remove(el: etree._Element) -> None:
    """Remove ``el`` but keep its tail text (it belongs to the parent)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


_TEXT_NODES = etree.XPath("descendant::text()")  # smart strings: each knows its element


def _read_meta_box(texts: list[str]) -> dict[str, str]:
    """索引号 / 发布机构 / 发布日期 ... from the page's metadata box (or a date line)."""
    flat = "\n".join(texts).replace("\xa0", " ")
    if not any(lab in flat for lab in _ALL_META_LABELS):
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for m in _META_VALUE.finditer(flat):
        label, value = m.group(1), m.group(2).strip(" \u3000\t:：")
        if value:
            found.setdefault(label, []).append((label, value))
    meta: dict[str, str] = {}
    for key, labels in _META_LABELS.items():
        for label in labels:
            for _, value in found.get(label, []):
                if key == "published":
                    day = _iso_date(value)
                    if day is None:
                        continue
                    meta[key] = day
                elif len(value) <= 80:
                    meta[key] = value
                else:
                    continue
                break
            if key in meta:
                break
    return meta


def _meta_boxes(body: etree._Element, texts: list) -> set[etree._Element]:
    """The metadata boxes: the largest short elements naming two or more fields."""
    boxes: set[etree._Element] = set()
    owners: list[etree._Element] = []
    # The text nodes naming a field, found in their joined text (one search in C).
    starts = [0, *accumulate(len(t) + 1 for t in texts)]
    hits = {bisect_right(starts, m.start()) - 1 for m in _BOX_MARKER.finditer("\n".join(texts))}
    for i in sorted(hits):
        t = texts[i]
        owner = t.getparent()
        if t.is_tail:
            owner = owner.getparent()
        if owner is not None and all(owner is not o for o in owners):
            owners.append(owner)
    for el in owners:
        best = None
        node = el
        prev_len, prev_labels = 0, 0
        while node is not None and node is not body:
            text = _text(node)
            labels = sum(lab in text for lab in _ALL_META_LABELS)
            # Stop at 600 characters, or where the parent adds text but no field.
            if len(text) > 600 or (best is not None and labels == prev_labels and len(text) > prev_len + 60):
                break
            if labels >= 2:
                best = node
            prev_len, prev_labels = len(text), labels
            node = node.getparent()
        if best is not None:
            boxes.add(best)
    return boxes


def _iso_date(value: str) -> str | None:
    m = _DATE.search(value)
    if m is None:
        return None
    try:  # 2024年2月30日 is no date: the next field is tried instead
        return date(*(int(g) for g in m.groups())).isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- finding the report


def _direct_rows(table: etree._Element) -> Iterator[etree._Element]:
    """The ``<tr>`` of ``table`` itself (directly or in thead/tbody/tfoot), not of nested tables."""
    for child in table:
        tag = child.tag
        if tag == "tr":
            yield child
        elif tag in ("tbody", "thead", "tfoot"):
            for tr in child:
                if tr.tag == "tr":
                    yield tr


def _row_cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if c.tag in ("td", "th")]


def _is_data_table(table: etree._Element) -> bool:
    """An innermost table with the shape of a report table (several columns, short cells).

    Tables holding other tables, single-column tables and tables with long running text
    in few columns are page layout: the reader walks their content as flow.
    """
    if any(t is not table for t in table.iter("table")):
        return False
    max_cols = 0
    rows = list(_direct_rows(table))
    for tr in rows:
        width = sum(_colspan(c) for c in _row_cells(tr))
        if width > 2:
            return True
        max_cols = max(max_cols, width)
    if max_cols <= 1:
        return False
    longest = max((len("".join(c.itertext()).strip()) for tr in rows for c in _row_cells(tr)), default=0)
    return longest <= 200


def _ancestors_of(elements: list[etree._Element]) -> set[etree._Element]:
    out: set[etree._Element] = set()
    for el in elements:
        node = el
        while node is not None and node not in out:
            out.add(node)
            node = node.getparent()
    return out


def _is_chrome(el: etree._Element) -> bool:
    tag = el.tag
    if tag in _CHROME_TAGS:
        if tag == "header":
            parent = el.getparent()
            while parent is not None:
                if parent.tag in ("article", "main"):
                    return False
                parent = parent.getparent()
        return True
    return _chrome_name(el.get("class"), el.get("id"))


@lru_cache(maxsize=4096)
def _chrome_name(cls: str | None, ident: str | None) -> bool:
    """Whether a class/id pair names page chrome (the same few pairs recur on a page)."""
    name = (cls or "") + " " + (ident or "")
    return bool(name.strip()) and _CHROME_CLASS.search(name) is not None


# (``descendant::`` rather than ``.//``, which libxml2 evaluates as two steps.)
_CHROME_CANDIDATES = etree.XPath(
    "descendant::*[@class] | descendant::*[@id] | descendant::nav | descendant::aside"
    " | descendant::footer | descendant::header"
)


def _strip_chrome(body: etree._Element, protected: set[etree._Element]) -> None:
    """Remove navigation, breadcrumbs, share bars and footers, never a report table."""
    doomed = [el for el in _CHROME_CANDIDATES(body) if _is_chrome(el) and el not in protected]
    if not doomed:
        return
    total = _cjk_len(body)
    for el in doomed:
        if el.getparent() is None:
            continue
        # A container classed like chrome that holds most of the text is the content.
        if total and _cjk_len(el) > 0.4 * total:
            continue
        _remove(el)


def _text(el: etree._Element) -> str:
    """An element's text (descendants included, its tail not), concatenated in C."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _cjk_len(el: etree._Element) -> int:
    return _wide_weight(_text(el))


def _wide_weight(text: str) -> int:
    """Roughly the number of CJK characters (each is three UTF-8 bytes), computed in C."""
    return (len(text.encode("utf-8", "surrogatepass")) - len(text)) >> 1


def _choose_container(body: etree._Element, data_tables: list[etree._Element]) -> etree._Element:
    """The deepest element holding most of the non-link CJK text and every data table."""

    def weight(el: etree._Element) -> int:
        linked = sum(_cjk_len(a) for a in el.iter("a"))
        return _cjk_len(el) - linked

    total = weight(body)
    node = body
    if total > 0:
        # Top down: step into the child that holds 70 % of the text, while there is one.
        while True:
            best = next(
                (c for c in node if isinstance(c.tag, str) and weight(c) >= 0.7 * total),
                None,
            )
            if best is None:
                break
            node = best
    # Widen until every data table is inside.
    for t in data_tables:
        while node is not body and not _contains(node, t):
            node = node.getparent()
    return node


def _contains(ancestor: etree._Element, el: etree._Element) -> bool:
    node: etree._Element | None = el
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _span(raw: str, default: int, limit: int) -> int:
    """A ``colspan``/``rowspan`` value as browsers read it (leading digits), capped."""
    if raw.isdigit():
        return min(int(raw), limit)
    m = _LEADING_INT.match(raw)
    if m is None:
        return default
    return min(int(m.group(1)), limit)


def _colspan(td: etree._Element) -> int:
    """The slots a cell spans to the right (``colspan="0"`` counts as 1, as browsers do)."""
    raw = td.get("colspan")
    return 1 if raw is None else (_span(raw, 1, 1000) or 1)


# ---------------------------------------------------------------- text


def _clean_line(raw: str) -> str:
    """Collapse source whitespace as a browser would; keep &nbsp; and U+3000 as spaces."""
    if raw.isprintable():  # no line break, tab, &nbsp; or U+3000: at most double spaces
        return raw.strip(" ") if "  " not in raw else _WS.sub(" ", raw).strip(" ")
    if "\n" in raw or "\r" in raw:
        # A segment break between two wide characters disappears (CSS Text 3).
        raw = _CJK_BREAK.sub("", raw)
    raw = _WS.sub(" ", raw).replace("\xa0", " ")
    return raw.strip(" \u3000")


class _Walker:
    """Walks the content container, emitting paragraphs and tables in document order."""

    def __init__(
        self,
        tree: etree._ElementTree,
        table_no: dict[etree._Element, int],
        data_ids: set[etree._Element],
        skip: set[etree._Element],
        container: etree._Element,
        base: Path | None = None,
    ) -> None:
        self.tree = tree
        self.base = base  # the page's folder, for pictures next to it
        self.pictures = 0
        self.skip = skip
        self.table_no = table_no
        self.data_ids = data_ids
        self.link_holders = _link_holders(container)
        self.blocks: list[Paragraph | Table | EmbeddedPicture] = []
        self.pending: list[EmbeddedPicture] = []  # pictures of the paragraph being read
        self.buf: list[str] = []
        self.buf_path: str | None = None
        self.block_stack: list[int] = []  # for each open block, how many of ``steps`` are its path
        # The XPath of the element being walked, one step per level: a path is built from
        # these in time proportional to its depth (``tree.getpath`` counts the siblings
        # at every level, which made a page's paths cost the square of its size).
        self.steps: list[str] = [tree.getpath(container)]

    # paragraphs ---------------------------------------------------------
    def add_text(self, text: str | None) -> None:
        if text:
            if not self.buf and self.block_stack:
                self.buf_path = "/".join(self.steps[: self.block_stack[-1]])
            self.buf.append(text)

    def flush(self) -> None:
        if self.buf:
            line = _clean_line("".join(self.buf))
            path = self.buf_path
            self.buf = []
            self.buf_path = None
            if line and not (len(line) < 40 and _CHROME_LINE.match(line)):
                self.blocks.append(Paragraph(line, Provenance(path=path)))
        if self.pending:  # a picture stands after the text of its paragraph
            self.blocks.extend(self.pending)
            self.pending = []

    def picture(self, img: etree._Element) -> None:
        pic = images.picture(img, "/".join(self.steps), self.base)
        if pic is not None:
            self.pending.append(pic)
            self.pictures += 1

    def walk(self, el: etree._Element) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag == "br":
            self.flush()
            return
        if tag == "img":
            self.picture(el)
            return
        if el in self.skip:
            self.flush()
            return
        if tag == "table" and el in self.data_ids:
            self.flush()
            self.blocks.append(_build_table(el, self.table_no.get(el, 0)))
            return
        if tag in ("table", "tr", "td", "th") or tag in _BLOCK_TAGS:
            if el in self.link_holders and tag != "body" and _is_link_list(el):
                self.flush()
                return
            self.flush()
            self.block_stack.append(len(self.steps))
            self.add_text(el.text)
            self.walk_children(el)
            self.flush()
            self.block_stack.pop()
            return
        # inline element
        self.add_text(el.text)
        self.walk_children(el)

    def walk_children(self, el: etree._Element) -> None:
        if not len(el):
            return
        steps = self.steps
        for child, step in zip(el, _child_steps(el), strict=True):
            steps.append(step)
            self.walk(child)
            steps.pop()
            self.add_text(child.tail)


def _child_steps(el: etree._Element) -> list[str]:
    """The XPath step of each child of ``el`` as ``getpath`` writes it: the tag, with the
    1-based position among same-tag siblings when there are several (``p[3]``)."""
    tags = [c.tag if isinstance(c.tag, str) else "node()" for c in el]
    counts = Counter(tags)
    seen: Counter[str] = Counter()
    out = []
    for t in tags:
        if counts[t] == 1:
            out.append(t)
        else:
            seen[t] += 1
            out.append(f"{t}[{seen[t]}]")
    return out


def _link_holders(container: etree._Element) -> set[etree._Element]:
    """The elements with three or more links inside: the only candidates for link lists."""
    counts: dict[etree._Element, int] = {}
    for a in container.iter("a"):
        for anc in a.iterancestors():
            counts[anc] = counts.get(anc, 0) + 1
            if anc is container:
                break
    return {el for el, n in counts.items() if n >= 3}


def _is_link_list(el: etree._Element) -> bool:
    """A block that is mostly links (a related-articles list, a menu that survived)."""
    links = el.findall(".//a")
    if len(links) < 3:
        return False
    total = len(_text(el).strip())
    linked = sum(len(_text(a).strip()) for a in links)
    return total > 0 and linked >= 0.7 * total


# ---------------------------------------------------------------- tables


_INNER_BLOCKS = tuple(_BLOCK_TAGS - {"td", "th", "tr", "tbody", "thead", "tfoot", "body", "html"})
_INNER_BLOCK_SET = frozenset(_INNER_BLOCKS)


def _breaks(td: etree._Element) -> int:
    """How many ``<br>`` (2 each) and block elements (1 each) ``td`` holds.

    Most cells are a chain of single children (``<p><font><span>`` around the text),
    which is followed down without a search; at most one block means one line.
    """
    n = 0
    el = td
    while True:
        k = len(el)
        if k == 0:
            return n
        if k > 1:
            break
        el = el[0]
        tag = el.tag
        if tag == "br":
            n += 2
        elif tag in _INNER_BLOCK_SET:
            n += 1
    return sum(2 if e.tag == "br" else 1 for e in td.iter("br", *_INNER_BLOCKS))


def _cell_text(td: etree._Element) -> str:
    """A cell's text: inline runs joined, ``<br>`` and block boundaries as newlines.

    Hard breaks (markup) are kept apart from newlines in the source text, which are
    just whitespace.
    """
    if len(td) == 0:
        return _clean_line(td.text or "")
    if _breaks(td) <= 1:  # runs wrapped in p/span/font with no break inside: one line
        return _clean_line(_text(td))
    parts: list[str | None] = []  # None marks a hard line break

    def visit(el: etree._Element) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag == "br":
            parts.append(None)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append(None)
        if el.text:
            parts.append(el.text)
        for child in el:
            visit(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(None)

    visit(td)  # the cell's own block marks only add empty first and last lines
    lines: list[str] = []
    cur: list[str] = []
    for p in parts:
        if p is None:
            lines.append(_clean_line("".join(cur)))
            cur = []
        else:
            cur.append(p)
    lines.append(_clean_line("".join(cur)))
    return "\n".join(s for s in lines if s)


def _build_table(table: etree._Element, number: int) -> Table:
    """Place the cells of ``table`` on a slot grid (HTML table model, spans clipped).

    ``busy[c]`` is the first row at which column ``c`` is free again.  A rowspan never
    needs clipping against a later cell: a slot below the anchor row that an earlier
    cell claims would make the anchor slot claimed as well.
    """
    rows = list(_direct_rows(table))
    n_rows = len(rows)
    busy: list[int] = []
    cells: list[Cell] = []
    holes: list[tuple[int, int]] = []  # (row, col) no cell reaches, below len(busy) then
    row_width: list[int] = []
    for r, tr in enumerate(rows):
        c = 0
        k = 0
        for td in tr:
            if td.tag != "td" and td.tag != "th":
                continue
            k += 1
            n_busy = len(busy)
            while c < n_busy and busy[c] > r:
                c += 1
            cs = _colspan(td)
            raw = td.get("rowspan")
            rs = 1 if raw is None else _span(raw, 1, 65534)
            if rs == 0:  # "to the end of the row group"
                rs = n_rows - r
            rs = max(1, min(rs, n_rows - r))
            width = 1
            while width < cs and (c + width >= n_busy or busy[c + width] <= r):
                width += 1
            if c + width > n_busy:
                busy.extend([0] * (c + width - n_busy))
            end = r + rs
            for j in range(c, c + width):
                busy[j] = end
            prov = Provenance(path=f"table[{number}]/tr[{r + 1}]/td[{k}]")
            cells.append(Cell(r, c, _cell_text(td), rs, width, prov))
            c += width
        holes.extend((r, j) for j, b in enumerate(busy) if b <= r)
        row_width.append(len(busy))
    n_cols = len(busy)
    for r, width in enumerate(row_width):
        holes.extend((r, j) for j in range(width, n_cols))
    if holes:
        cells.extend(Cell(r, c, "") for r, c in holes)
        cells.sort(key=lambda x: (x.row, x.col))
    return Table(tuple(cells), n_rows, n_cols, prov=Provenance(path=f"table[{number}]"))
