"""The extractor version follows the code, so incremental runs redo work after any change."""

from __future__ import annotations

import re

from nianbao.normalize import version


def test_version_is_package_version_plus_code_hash():
    assert re.fullmatch(r"[\w.]+\+[0-9a-f]{12}", version.EXTRACTOR_VERSION)
    assert version.EXTRACTOR_VERSION.endswith(version.code_hash())


def test_code_hash_changes_with_a_source_file(tmp_path, monkeypatch):
    for package in ("extract", "normalize"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "a.py").write_text("x = 1\n")
    fake = tmp_path / "normalize" / "version.py"
    fake.write_text("")
    monkeypatch.setattr(version, "__file__", str(fake))
    version.code_hash.cache_clear()
    try:
        before = version.code_hash()
        (tmp_path / "extract" / "a.py").write_text("x = 2\n")
        version.code_hash.cache_clear()
        assert version.code_hash() != before
    finally:
        monkeypatch.undo()
        version.code_hash.cache_clear()
