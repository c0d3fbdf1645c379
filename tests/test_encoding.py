"""Decoding report bytes: BOMs, declarations (right and wrong) and sniffing."""

from __future__ import annotations

import codecs

import pytest

from nianbao.extract.encoding import decode_text, normalize_encoding

TEXT = "上海市人民政府办公厅2019年政府信息公开工作年度报告：本年度新收政府信息公开申请1234件。"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("GB18030", "gb18030"),
        ("UTF8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("'utf-8'", "utf-8"),
        ("no-such-charset", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_encoding(declared: str | None, expected: str | None) -> None:
    assert normalize_encoding(declared) == expected


@pytest.mark.parametrize(
    ("bom", "enc"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_bom_wins_over_declaration(bom: bytes, enc: str) -> None:
    text, used = decode_text(bom + TEXT.encode(enc), declared="gbk")
    assert (text, used) == (TEXT, enc)


def test_utf8_undeclared() -> None:
    assert decode_text(TEXT.encode("utf-8")) == (TEXT, "utf-8")


@pytest.mark.parametrize("enc", ["gbk", "gb2312", "gb18030"])
def test_gb_family_undeclared(enc: str) -> None:
    assert decode_text(TEXT.encode(enc)) == (TEXT, "gb18030")


def test_gbk_only_character_on_a_gb2312_declaration() -> None:
    text = "镕基" + TEXT  # 镕 is in GBK, not in GB2312
    assert decode_text(text.encode("gbk"), declared="gb2312") == (text, "gb18030")


def test_declared_utf8_but_gbk() -> None:
    assert decode_text(TEXT.encode("gbk"), declared="utf-8") == (TEXT, "gb18030")


def test_declared_gbk_but_utf8() -> None:
    assert decode_text(TEXT.encode("utf-8"), declared="gbk") == (TEXT, "utf-8")


@pytest.mark.parametrize("declared", ["iso-8859-1", "windows-1252"])
def test_declared_latin_but_chinese(declared: str) -> None:
    assert decode_text(TEXT.encode("utf-8"), declared=declared) == (TEXT, "utf-8")
    assert decode_text(TEXT.encode("gbk"), declared=declared) == (TEXT, "gb18030")


def test_latin_declaration_on_latin_text_is_kept() -> None:
    text = "Café déjà vu"
    assert decode_text(text.encode("latin-1"), declared="latin-1") == (text, "iso8859-1")


def test_big5_declaration_is_honoured() -> None:
    text = "政府資訊公開"
    assert decode_text(text.encode("big5"), declared="big5") == (text, "big5")


def test_one_damaged_byte_does_not_change_the_encoding() -> None:
    data = (TEXT * 20).encode("gbk")[:-1]  # half a character at the end
    text, used = decode_text(data)
    assert used == "gb18030"
    assert text.startswith(TEXT)


def test_ascii() -> None:
    assert decode_text(b"<p>2019</p>") == ("<p>2019</p>", "utf-8")
