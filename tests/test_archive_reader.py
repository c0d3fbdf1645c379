"""Zip and 7z archives walked like folders: member paths, GBK names, and what is refused."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import py7zr
import pytest

from nianbao.corpus.run import iter_listing, run_extract
from nianbao.extract.detect import Format, detect
from nianbao.extract.errors import CorruptDocument, EncryptedDocument, UnsupportedFormat
from nianbao.extract.readers import archive
from nianbao.extract.readers.archive import ArchiveRefused, read_input, split_member
from nianbao.normalize.pipeline import process


@pytest.fixture(scope="module")
def report_docx() -> bytes:
    from nianbao.corpus.synth import render_docx, report

    rng = random.Random(5)
    return render_docx.render(report.build("docx", "2021", rng, with_error=False), rng)


def make_zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def gbk_named(name: str, data: bytes) -> bytes:
    """A zip whose member name is GBK bytes with flag bit 11 unset, as Chinese Windows writes it."""
    raw = name.encode("gbk")
    stand_in = b"Q" * len(raw)
    z = make_zip([(stand_in.decode(), data)])
    assert z.count(stand_in) == 2
    return z.replace(stand_in, raw)


def flag_encrypted(data: bytes) -> bytes:
    """Set flag bit 0 (encrypted) in every local header and central directory entry."""
    out = bytearray(data)
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(sig)
        while at >= 0:
            out[at + flag_at] |= 1
            at = out.find(sig, at + 4)
    return bytes(out)


def test_gbk_and_utf8_member_names_are_decoded(tmp_path: Path, report_docx: bytes):
    (tmp_path / "a.zip").write_bytes(gbk_named("年报/2022年度报告.docx", report_docx))
    (tmp_path / "b.zip").write_bytes(make_zip([("信息公开/报告.docx", report_docx)]))  # UTF-8, flagged
    listed = [s for s, _, _ in iter_listing([tmp_path])]
    assert listed == [f"{tmp_path}/a.zip!/年报/2022年度报告.docx", f"{tmp_path}/b.zip!/信息公开/报告.docx"]
    data, size, mtime = read_input(listed[0])
    assert data == report_docx and size == len(report_docx)
    assert mtime == (tmp_path / "a.zip").stat().st_mtime_ns


def test_a_run_reads_members_and_refuses_the_hostile_ones(tmp_path: Path, report_docx: bytes):
    src = tmp_path / "in"
    src.mkdir()
    inner = make_zip([("内层/报告.docx", report_docx)])
    too_deep = make_zip([("c.zip", make_zip([("d.docx", report_docx)]))])
    bundle = make_zip(
        [
            ("report.docx", report_docx),
            ("../../evil.docx", report_docx),
            ("bomb.txt", bytes(4 << 20)),  # 4 MB of zeros: some 1000-fold
            ("inner.zip", inner),
            ("deep.zip", too_deep),
            ("__MACOSX/._report.docx", b"\x00\x05\x16\x07"),
            ("readme.md", b"companion file, passed over like in a folder"),
        ]
    )
    (src / "bundle.zip").write_bytes(bundle)
    (src / "broken.zip").write_bytes(bundle[:3000])
    summary = run_extract([src], tmp_path / "out", jobs=1, narrative=False)
    assert summary.inputs == 6
    m = pd.read_parquet(tmp_path / "out" / "manifest.parquet").set_index("source")
    b = f"{src}/bundle.zip!/"
    assert m.loc[b + "report.docx", "status"] == "ok"
    assert m.loc[b + "inner.zip!/内层/报告.docx", "status"] == "ok"
    assert "leaves the archive" in m.loc[b + "..%2F..%2Fevil.docx", "error"]
    assert "zip bomb" in m.loc[b + "bomb.txt", "error"]
    assert "nested deeper than 2" in m.loc[b + "deep.zip!/c.zip", "error"]
    assert m.loc[f"{src}/broken.zip", "status"] == "failed"
    assert "corrupt" in m.loc[f"{src}/broken.zip", "error"]
    again = run_extract([src], tmp_path / "out", jobs=1, narrative=False)
    assert again.documents == 0 and again.skipped == 6  # members are incremental like files


def test_a_traversal_name_never_resolves_to_a_real_file(tmp_path: Path, report_docx: bytes):
    (tmp_path / "evil.docx").write_bytes(b"a real file the member name points at")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.zip").write_bytes(make_zip([("../evil.docx", report_docx)]))
    (source,) = [s for s, _, _ in iter_listing([tmp_path / "sub"])]
    assert "/../" not in source
    with pytest.raises(ArchiveRefused, match="leaves the archive"):
        read_input(source)


def test_an_encrypted_member_is_encrypted(tmp_path: Path, report_docx: bytes):
    (tmp_path / "x.zip").write_bytes(flag_encrypted(make_zip([("r.docx", report_docx)])))
    (source,) = [s for s, _, _ in iter_listing([tmp_path])]
    with pytest.raises(EncryptedDocument):
        read_input(source)


def test_split_member_only_splits_at_an_existing_archive(tmp_path: Path):
    (tmp_path / "a!").mkdir()
    (tmp_path / "a!" / "b.pdf").write_bytes(b"%PDF-1.4")
    assert split_member(str(tmp_path / "a!" / "b.pdf")) is None  # a real path with '!/' in it
    (tmp_path / "x.zip").write_bytes(make_zip([("y.zip", b"")]))
    assert split_member(f"{tmp_path}/x.zip!/y.zip!/z.docx") == (f"{tmp_path}/x.zip", ["y.zip", "z.docx"])
    with pytest.raises(CorruptDocument, match="no member"):
        read_input(f"{tmp_path}/x.zip!/nothing.docx")


def test_a_zip_met_as_one_document(report_docx: bytes):
    one = make_zip([("年报/report.docx", report_docx), ("__MACOSX/._x", b"x")])
    assert detect(one, "report.doc") == Format.ZIP
    r = process(one, "report.doc")  # a zip under another name, holding one report
    assert r.status == "ok" and r.format == "docx"
    assert process(make_zip([("z.zip", one)]), "x.bin").status == "ok"  # depth 2
    r = process(make_zip([("a.docx", report_docx), ("b.docx", report_docx)]), "two.pdf")
    assert r.status == "failed" and "list it under a .zip name" in r.error
    with pytest.raises(ArchiveRefused):
        archive.read(make_zip([("z.zip", make_zip([("y.zip", one)]))]), "x")
    assert process(make_zip([]), "e.zip").status == "failed"


def test_rar_is_refused_and_a_broken_7z_is_corrupt():
    rar = b"Rar!\x1a\x07\x01\x00" + bytes(64)
    sz = b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64)
    assert detect(rar, "a.rar") == Format.RAR and detect(sz, "a.7z") == Format.SEVEN_Z
    assert "RAR archive" in process(rar, "a.rar").error
    assert "corrupt 7z archive" in process(sz, "a.7z").error
    with pytest.raises(UnsupportedFormat):
        archive.read_rar(rar)


# --- 7z -----------------------------------------------------------------------------


def make_7z(
    members: list[tuple[str, bytes]], password: str | None = None, encrypt_header: bool = False
) -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password, header_encryption=encrypt_header) as z:
        if not encrypt_header:
            z.set_encoded_header_mode(False)  # names in the clear, so a test can rename one
        for name, data in members:
            z.writestr(data, name)
    return buf.getvalue()


def renamed_7z(data: bytes, old: str, new: str) -> bytes:
    """Swap a member name of the same length (py7zr refuses to write ``../x``), with the
    header's CRC and the start header's CRC made right again."""
    assert len(old) == len(new)
    d = bytearray(data.replace(old.encode("utf-16-le"), new.encode("utf-16-le")))
    offset, size = struct.unpack_from("<QQ", d, 12)
    struct.pack_into("<I", d, 28, zlib.crc32(d[32 + offset : 32 + offset + size]))
    struct.pack_into("<I", d, 8, zlib.crc32(d[12:32]))
    return bytes(d)


def test_a_7z_is_walked_like_a_zip(tmp_path: Path, report_docx: bytes):
    src = tmp_path / "in"
    src.mkdir()
    bundle = make_7z(
        [
            ("年报/2023年度报告.docx", report_docx),
            ("aa/evil.docx", report_docx),
            ("inner.zip", make_zip([("r.docx", report_docx)])),
        ]
    )
    (src / "bundle.7z").write_bytes(renamed_7z(bundle, "aa/evil.docx", "../evil.docx"))
    (src / "one.7z").write_bytes(make_7z([("报告.docx", report_docx)]))
    (src / "bomb.7z").write_bytes(make_7z([("bomb.txt", bytes(8 << 20))]))  # 8 MB of zeros: a few KB
    (src / "broken.7z").write_bytes(bundle[: len(bundle) // 2])
    summary = run_extract([src], tmp_path / "out", jobs=1, narrative=False)
    assert summary.inputs == 6
    m = pd.read_parquet(tmp_path / "out" / "manifest.parquet").set_index("source")
    b = f"{src}/bundle.7z!/"
    assert m.loc[b + "年报/2023年度报告.docx", "status"] == "ok"
    assert m.loc[b + "inner.zip!/r.docx", "status"] == "ok"
    assert "leaves the archive" in m.loc[b + "..%2Fevil.docx", "error"]
    assert "bomb" in m.loc[f"{src}/bomb.7z", "error"]
    assert m.loc[f"{src}/one.7z!/报告.docx", "status"] == "ok"
    assert "corrupt 7z archive" in m.loc[f"{src}/broken.7z", "error"]
    data, size, _ = read_input(f"{src}/bundle.7z!/年报/2023年度报告.docx")
    assert data == report_docx and size == len(report_docx)


def test_a_7z_met_as_one_document_and_its_passwords(report_docx: bytes):
    one = make_7z([("报告.docx", report_docx)])
    assert detect(one, "report.doc") == Format.SEVEN_Z
    r = process(one, "report.doc")
    assert r.status == "ok" and r.format == "docx"
    r = process(make_7z([("a.docx", report_docx), ("b.docx", report_docx)]), "two.7z")
    assert r.status == "failed" and "list it under a .7z name" in r.error
    with pytest.raises(EncryptedDocument, match="password"):
        archive.read_7z(make_7z([("r.docx", report_docx)], password="pw"), "x.7z")
    with pytest.raises(EncryptedDocument, match="header is encrypted"):
        archive.read_7z(make_7z([("r.docx", report_docx)], password="pw", encrypt_header=True), "x.7z")
    assert process(make_7z([]), "e.7z").status == "failed"
