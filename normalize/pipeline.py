"""One file's bytes to one normalised report: the whole per-document path.

``process`` never raises for bad input: an unreadable file comes back as a report
with status ``failed`` and a one-line reason, so a batch run can write it and go on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from nianbao.extract import limits
from nianbao.extract.detect import Format, detect, unknown_reason
from nianbao.extract.errors import ExtractError, UnsupportedFormat
from nianbao.extract.model import Document, Paragraph
from nianbao.extract.readers import reader_for
from nianbao.extract.sections import Section, split_sections
from nianbao.normalize import metadata as M
from nianbao.normalize.glued import glued_cells
from nianbao.normalize.mapping import map_tables
from nianbao.normalize.records import Finding, ReportMeta, StdCell
from nianbao.normalize.script import NOTE as SCRIPT_NOTE
from nianbao.normalize.script import document_sample, is_traditional, to_simplified
from nianbao.normalize.validate import validate_report
from nianbao.normalize.version import EXTRACTOR_VERSION

ALL_TABLES = ("t2", "t3", "t4")
__all__ = ["EXTRACTOR_VERSION", "Report", "normalize_document", "process", "read_document"]


@dataclass(slots=True)
class Report:
    """Everything nianbao derives from one input file."""

    doc_id: str
    source: str
    format: str
    status: str  # ok | partial | failed
    error: str | None
    meta: ReportMeta
    cells: list[StdCell] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    pages: int | None = None
    size: int = 0
    ocr_pages: list[int] = field(default_factory=list)  # pages read from their pictures
    ocr_confidence: float | None = None  # mean OCR confidence over those pages


def process(data: bytes, source: str, doc_id: str | None = None) -> Report:
    """Read, map and validate one file.  Bad input gives a failed report, not an exception.

    ``doc_id`` is the SHA-256 of ``data`` (hex); pass it when already computed."""
    doc_id = doc_id or hashlib.sha256(data).hexdigest()
    fmt = detect(data, source)
    empty_meta = ReportMeta(None, None, "unknown", None)
    try:
        doc = read_document(data, source, fmt)
    except ExtractError as exc:
        return Report(doc_id, source, fmt.value, "failed", _one_line(exc), empty_meta, size=len(data))
    except Exception as exc:  # a reader bug must not stop a national run
        reason = f"internal error in the {fmt.value} reader: {type(exc).__name__}: {exc}"
        return Report(doc_id, source, fmt.value, "failed", _one_line(reason), empty_meta, size=len(data))
    return normalize_document(doc, doc_id, source, size=len(data))


def read_document(data: bytes, source: str, fmt: Format | None = None) -> Document:
    """The document model of ``data`` (raises ExtractError for unusable input)."""
    fmt = fmt or detect(data, source)
    reader = reader_for(fmt)
    if reader is None:
        if fmt == Format.UNKNOWN:
            raise UnsupportedFormat(unknown_reason(data))  # "empty file", "NUL bytes ..."
        raise UnsupportedFormat(f"unsupported format: {fmt.value}")
    doc = reader(data, source)
    _check_text(doc)
    return doc


def _check_text(doc: Document) -> None:
    """Refuse a document holding more text than the limit, before it is normalised."""
    cap = limits.current().max_text
    if not cap:
        return
    n = 0
    for b in doc.blocks:
        n += len(b.text) if isinstance(b, Paragraph) else sum(len(c.text) for c in b.cells)
        if n > cap:
            raise limits.LimitExceeded(f"text of more than {cap:,} characters, past the limit (--max-text)")


def normalize_document(doc: Document, doc_id: str, source: str, size: int = 0) -> Report:
    """Sections, metadata, standard cells and findings of a document already read."""
    traditional = is_traditional(document_sample(doc))
    if traditional:
        doc = to_simplified(doc)
    preamble, sections = split_sections(doc.paragraphs)
    meta = _metadata(doc, preamble, sections)
    mapped = map_tables(doc.tables, meta.year)
    meta = ReportMeta(meta.agency, meta.year, mapped.template, meta.published, meta.title)
    section_text = {s.number: s.text for s in sections}
    absent = {t for t in ALL_TABLES if t not in mapped.tables_found}
    if absent and not doc.tables:  # a page flattened to text with its cells glued together
        recovered = glued_cells(section_text, absent, mapped.template, mapped.notes)
        mapped.cells.extend(recovered)
        mapped.tables_found.update(c.table for c in recovered)
    findings = validate_report(mapped.cells, meta, section_text)
    missing = [t for t in ALL_TABLES if t not in mapped.tables_found]
    missing_sections = [n for n in range(1, 7) if n not in section_text]
    problems = []
    if missing:
        problems.append("tables missing: " + ", ".join(missing))
    if missing_sections:
        problems.append("sections missing: " + ", ".join(map(str, missing_sections)))
    problems.extend(mapped.notes)
    if traditional:
        problems.append(SCRIPT_NOTE)
    status = "partial" if missing or missing_sections else "ok"
    if not mapped.cells and not sections:
        status = "failed"
        problems.insert(0, "no report found: no standard table and no numbered part")
    return Report(
        doc_id,
        source,
        doc.format,
        status,
        "; ".join(problems) or None,
        meta,
        mapped.cells,
        sections,
        findings,
        pages=doc.pages,
        size=size,
        ocr_pages=[int(n) for n in doc.meta.get("ocr_pages", "").split(",") if n],
        ocr_confidence=float(doc.meta["ocr_confidence"]) if "ocr_confidence" in doc.meta else None,
    )


def _metadata(doc: Document, preamble, sections: list[Section]) -> ReportMeta:
    paragraphs = doc.paragraphs
    lines = M.title_lines(preamble or paragraphs[:4])
    web_page = M.agency_and_year(lines) == (None, None)  # a printed page's menu before its title
    if web_page:
        lines = M.title_lines(preamble or paragraphs[:16], limit=16)
    if doc.meta.get("title"):
        lines = [*lines, doc.meta["title"]]
    agency, year = M.agency_and_year(lines, one_line_first=web_page)
    agency = (
        agency
        or M.clean_agency(doc.meta.get("agency"))
        or M.printed_agency(paragraphs)
        or M.signature_agency(paragraphs)
        or M.preface_agency(paragraphs)
    )
    if year is None:
        year = M.period_year(doc.text()[:3000])
    published: date | None = (
        M.signature_date(paragraphs) or M.printed_publish_date(paragraphs) or M.title_date(paragraphs)
    )
    if published is None and doc.meta.get("published"):
        published = M.parse_date(doc.meta["published"])
    title = " ".join(lines)[:300] or None
    return ReportMeta(agency, year, "unknown", published.isoformat() if published else None, title)


def _one_line(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__
