"""DOCX corners: mc:AlternateContent, w:altChunk, text boxes in cells, foot- and endnotes."""

from __future__ import annotations

import base64
import io
import zipfile

from nianbao.extract.model import Paragraph, Table
from nianbao.extract.readers.docx import read

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (
    f'xmlns:w="{W_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx(body: str, parts: dict[str, bytes] | None = None, rels: list[tuple[str, str, str]] = ()) -> bytes:
    """A package around ``body``; ``rels`` are (id, type, target) of word/document.xml."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS_NS}"><Relationship Id="r1" Type="{OD}/officeDocument" '
            'Target="word/document.xml"/></Relationships>',
        )
        z.writestr("word/document.xml", f"<w:document {NS}><w:body>{body}</w:body></w:document>")
        items = "".join(
            f'<Relationship Id="{i}" Type="{OD}/{t}" Target="{target}"/>' for i, t, target in rels
        )
        z.writestr(
            "word/_rels/document.xml.rels", f'<Relationships xmlns="{RELS_NS}">{items}</Relationships>'
        )
        for name, data in (parts or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def texts(data: bytes) -> list[str]:
    return [b.text for b in read(data, "x.docx").blocks if isinstance(b, Paragraph)]


def test_body_level_alternate_content_reads_the_branch_word_reads():
    understood = (
        '<mc:AlternateContent><mc:Choice Requires="w14">' + p("新格式") + "</mc:Choice>"
        "<mc:Fallback>" + p("旧格式") + "</mc:Fallback></mc:AlternateContent>"
    )
    not_understood = (
        '<mc:AlternateContent><mc:Choice Requires="m">' + p("公式") + "</mc:Choice>"
        "<mc:Fallback>" + p("公式的图片说明") + "</mc:Fallback></mc:AlternateContent>"
    )
    assert texts(docx(p("前") + understood + not_understood + p("后"))) == [
        "前",
        "新格式",
        "公式的图片说明",
        "后",
    ]


def test_a_text_box_written_twice_is_read_once_also_in_a_cell():
    box = (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
        "<w:txbxContent>" + p("框内文字") + "</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>" + p("框内文字") + "</w:txbxContent>"
        "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )
    body = (
        f"<w:p><w:r><w:t>正文</w:t></w:r>{box}</w:p>"
        "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr>"
        f"<w:tc>{p('标签')}</w:tc><w:tc><w:p><w:r><w:t>7</w:t></w:r>{box}</w:p></w:tc></w:tr></w:tbl>"
    )
    blocks = read(docx(body), "x.docx").blocks
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == ["正文", "框内文字"]
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert table.grid() == [["标签", "7\n框内文字"]]


def test_note_marks_stay_out_of_cells_and_notes_come_after_the_body():
    ref = '<w:r><w:footnoteReference w:customMarkFollows="1" w:id="2"/><w:t>*</w:t></w:r>'
    body = (
        p("正文") + "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid><w:tr>"
        f"<w:tc>{p('本年新收')}</w:tc><w:tc><w:p><w:r><w:t>12</w:t></w:r>{ref}"
        '<w:r><w:endnoteReference w:id="1"/></w:r></w:p></w:tc></w:tr></w:tbl>'
    )
    footnotes = (
        f'<w:footnotes {NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        f'</w:footnote><w:footnote w:id="2">{p("含转办件。")}</w:footnote></w:footnotes>'
    )
    endnotes = f'<w:endnotes {NS}><w:endnote w:id="1">{p("数据截至12月31日。")}</w:endnote></w:endnotes>'
    data = docx(
        body,
        {"word/footnotes.xml": footnotes.encode(), "word/endnotes.xml": endnotes.encode()},
        [("rF", "footnotes", "footnotes.xml"), ("rE", "endnotes", "endnotes.xml")],
    )
    doc = read(data, "x.docx")
    assert doc.tables[0].grid() == [["本年新收", "12"]]
    notes = doc.paragraphs[1:]
    assert [n.text for n in notes] == ["含转办件。", "数据截至12月31日。"]
    assert notes[0].prov.path == "footnotes/footnote[id=2]/p[1]"
    assert doc.blocks[-1] is notes[-1]


def test_alt_chunks_are_read_where_they_stand():
    html = (
        "<html><head><meta charset='utf-8'></head><body><p>三、收到和处理政府信息公开申请情况</p>"
        "<table border=1><tr><td rowspan=2>一、本年新收</td><td>5</td></tr><tr><td>6</td></tr></table>"
        "</body></html>"
    )
    inner = docx(p("嵌入文档的段落"))
    mht = (
        (
            b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="B"\r\n\r\n--B\r\n'
            b'Content-Type: text/html; charset="gb2312"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        )
        + base64.b64encode("<html><body><p>网页存档段落</p></body></html>".encode("gb2312"))
        + (b"\r\n--B--\r\n")
    )
    body = (
        p("开头")
        + '<w:altChunk r:id="c1"/>'
        + '<w:altChunk r:id="c2"/>'
        + '<w:altChunk r:id="c3"/>'
        + '<w:altChunk r:id="missing"/>'
        + p("结尾")
    )
    data = docx(
        body,
        {"word/chunk1.html": html.encode(), "word/sub/chunk2.docx": inner, "word/chunk3.mht": mht},
        [
            ("c1", "aFChunk", "chunk1.html"),
            ("c2", "aFChunk", "sub/chunk2.docx"),
            ("c3", "aFChunk", "chunk3.mht"),
        ],
    )
    doc = read(data, "x.docx")
    kinds = [(type(b).__name__, b.text if isinstance(b, Paragraph) else None) for b in doc.blocks]
    assert kinds == [
        ("Paragraph", "开头"),
        ("Paragraph", "三、收到和处理政府信息公开申请情况"),
        ("Table", None),
        ("Paragraph", "嵌入文档的段落"),
        ("Paragraph", "网页存档段落"),
        ("Paragraph", "结尾"),
    ]
    table = doc.tables[0]
    assert table.grid() == [["一、本年新收", "5"], [None, "6"]]
    assert table.cells[0].prov.path.startswith("body/altChunk[1]/")
    assert doc.blocks[3].prov.path.startswith("body/altChunk[2]/body/p[1]")
