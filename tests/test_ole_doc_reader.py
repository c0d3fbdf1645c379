"""Word 97-2003 binary documents (.doc, .wps): piece table, cells, rows, merges, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nianbao.extract.detect import Format, detect
from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument, UnsupportedFormat
from nianbao.extract.readers import ole_doc
from nianbao.normalize.pipeline import process
from tests.conftest import cells_off

DOC = Path(__file__).parent / "fixtures" / "doc"
TRUTH = {
    json.loads(line)["file"]: json.loads(line)
    for line in (DOC / "truth.jsonl").read_text("utf-8").splitlines()
}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_fixtures_read_exactly(name: str):
    truth = TRUTH[name]
    r = process((DOC / name).read_bytes(), name)
    assert r.status == "ok", r.error
    assert r.format == "doc" and r.meta.agency == truth["agency"] and r.meta.year == truth["year"]
    assert r.meta.template == truth["template"]
    wrong = cells_off(r, truth)
    assert wrong == []
    assert [s.number for s in r.sections] == [1, 2, 3, 4, 5, 6]


def test_merged_cells_of_table_three():
    doc = ole_doc.read((DOC / "0002_2019.doc").read_bytes(), "x.doc")
    t3 = next(t for t in doc.tables if any(c.text.startswith("三、本年度办理结果") for c in t.cells))
    spans = {c.text[:6]: (c.row_span, c.col_span) for c in t3.cells if c.text}
    assert spans["三、本年度办"] == (20, 1)  # the vertical group label
    assert spans["法人或其他组"] == (1, 5)
    assert spans["一、本年新收"] == (1, 3)
    assert t3.cells[0].prov.path.startswith("cp[")
    grid = t3.grid()
    assert all(len(row) == t3.n_cols for row in grid)


def test_paragraph_text_fields_and_marks():
    assert ole_doc._clean('前\x13 HYPERLINK "x" \x14链接\x15后\x01\x0b下一行') == "前链接后\n下一行"
    assert ole_doc._clean("a\x13 PAGE \x15b") == "ab"  # a field without a result


def test_wrong_extension_and_wps():
    data = (DOC / "0001_2023.doc").read_bytes()
    assert detect(data, "report.docx") == Format.DOC
    assert process(data, "report.docx").status == "ok"
    assert detect(data, "report.wps") == Format.WPS
    r = process(data, "report.wps")
    assert r.status == "ok" and r.format == "wps"


def test_bad_input(tmp_path: Path):
    data = (DOC / "0001_2023.doc").read_bytes()
    with pytest.raises(CorruptDocument):
        ole_doc.read(data[:20000], "t.doc")
    with pytest.raises(CorruptDocument):
        ole_doc.read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "t.doc")
    with pytest.raises(EmptyDocument):
        ole_doc.read(b"", "t.doc")
    assert process(data[:20000], "t.doc").status == "failed"


def test_encrypted_and_foreign_ole_files(tmp_path: Path):
    import olefile

    path = tmp_path / "locked.doc"
    shutil.copy(DOC / "0001_2023.doc", path)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        word = bytearray(ole.openstream("WordDocument").read())
        word[0x0B] |= 0x01  # FibBase flags at 0x0A: fEncrypted is bit 8, in the high byte
        ole.write_stream("WordDocument", bytes(word))
    with pytest.raises(EncryptedDocument):
        ole_doc.read(path.read_bytes(), "locked.doc")
    r = process(path.read_bytes(), "locked.doc")
    assert r.status == "failed" and "password" in r.error
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook()
    wb.add_sheet("S").write(0, 0, "x")
    book = tmp_path / "b.xls"
    wb.save(str(book))
    with pytest.raises(UnsupportedFormat, match="WordDocument"):
        ole_doc.read(book.read_bytes(), "b.doc")
