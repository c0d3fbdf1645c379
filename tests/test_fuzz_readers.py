"""Fuzzing each reader with mutations of real files: no exception but ExtractError escapes,
and no input takes long.  A short budget here; ``scripts/long_checks.sh`` runs a long one
(``NIANBAO_FUZZ_EXAMPLES``)."""

from __future__ import annotations

import io
import os
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.extract.errors import ExtractError
from nianbao.extract.limits import MB, Limits, use
from nianbao.normalize.pipeline import read_document
from tests.conftest import FIXTURES, REAL

EXAMPLES = int(os.environ.get("NIANBAO_FUZZ_EXAMPLES", "20"))
SEEDS = {
    "docx": FIXTURES / "template_2021_blank.docx",
    "html": REAL / "2019_shanghai_szfbgt.html",
    "pdf": REAL / "2024_huaian_szf.pdf",
    "txt": REAL / "2021_pingtan_gwh.txt",
}
# Tighter limits than a run's, so that a mutation that makes a file costly hits them fast.
LIMITS = Limits(max_inflated=32 * MB, max_pages=50)


@st.composite
def mutations(draw, seed: bytes) -> bytes:
    """``seed`` with a few bytes flipped, a slice cut out or repeated, or truncated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "repeat", "truncate", "insert"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 4096))]
        elif op == "repeat":
            piece = data[at : at + draw(st.integers(1, 512))]
            data[at:at] = piece * draw(st.integers(1, 50))
        elif op == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


@st.composite
def zip_mutations(draw, seed: bytes) -> bytes:
    """A DOCX re-packed with one member mutated, swapped with another, or re-compressed."""
    src = zipfile.ZipFile(io.BytesIO(seed))
    members = {i.filename: src.read(i) for i in src.infolist()}
    names = sorted(members)
    name = draw(st.sampled_from(names))
    op = draw(st.sampled_from(["mutate", "swap", "recompress", "drop"]))
    if op == "mutate":
        members[name] = draw(mutations(members[name]))
    elif op == "swap":
        other = draw(st.sampled_from(names))
        members[name], members[other] = members[other], members[name]
    elif op == "drop":
        del members[name]
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if op == "recompress" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method) as out:
        for n, data in members.items():
            out.writestr(n, data)
    return buf.getvalue()


@st.composite
def pdf_mutations(draw, seed: bytes) -> bytes:
    """A PDF with bytes mutated, or one compressed stream inflated, mutated and re-compressed."""
    if draw(st.booleans()):
        return draw(mutations(seed))
    starts = [i for i in range(len(seed)) if seed.startswith(b"stream\n", i)][:50]
    at = draw(st.sampled_from(starts)) + 7
    d = zlib.decompressobj()
    try:
        body = d.decompress(seed[at:], 8 * MB)
    except zlib.error:
        return draw(mutations(seed))
    end = len(seed) - len(d.unused_data)
    new = zlib.compress(draw(mutations(body)) if body else b"", draw(st.integers(0, 9)))
    return seed[:at] + new + seed[end:]


def _check(data: bytes, name: str) -> None:
    started = time.perf_counter()
    with use(LIMITS):
        try:
            read_document(data, name)
        except ExtractError:
            pass
    assert time.perf_counter() - started < 20


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@pytest.mark.parametrize("fmt", ["html", "txt", "docx"])
@FUZZ
@given(data=st.data())
def test_mutated_real_files_raise_nothing_but_extract_errors(fmt: str, data):
    seed = Path(SEEDS[fmt]).read_bytes()
    _check(data.draw(mutations(seed)), f"x.{fmt}")


# A damaged 400 KB PDF costs about a second (pdfminer's repair): fewer of them.
PDF_FUZZ = settings(FUZZ, max_examples=max(4, EXAMPLES // 3))


@PDF_FUZZ
@given(data=st.data())
def test_mutated_real_pdf_raises_nothing_but_extract_errors(data):
    _check(data.draw(mutations(SEEDS["pdf"].read_bytes())), "x.pdf")


@FUZZ
@given(data=st.data())
def test_repacked_docx_raises_nothing_but_extract_errors(data):
    _check(data.draw(zip_mutations(SEEDS["docx"].read_bytes())), "x.docx")


@PDF_FUZZ
@given(data=st.data())
def test_pdf_streams_recompressed_raise_nothing_but_extract_errors(data):
    _check(data.draw(pdf_mutations(SEEDS["pdf"].read_bytes())), "x.pdf")


_FILTERS = ["flate", "lzw", "rl", "a85", "ahx"]


@FUZZ
@given(
    raw=st.binary(max_size=8192),
    chain=st.lists(st.sampled_from(_FILTERS), min_size=1, max_size=3),
    encode=st.booleans(),
)
def test_the_stream_decoders_take_any_bytes(raw: bytes, chain: list[str], encode: bool):
    # Whatever the data under whatever filters: a size, and never more than the filters'
    # stated ratios allow (the scan skips a stream that cannot pass the limit by them).
    from nianbao.extract.readers._pdf_streams import _RATIO, decoded_size
    from tests.hostile import lzw_encode

    if encode and chain[-1] in ("flate", "lzw"):  # valid data for the last filter, then damaged
        raw = (zlib.compress(raw) if chain[-1] == "flate" else lzw_encode(raw))[: len(raw) or None]
    started = time.perf_counter()
    n = decoded_size(raw, chain, 4 * MB)
    bound = len(raw)
    for f in chain:
        bound *= _RATIO[f]
    assert 0 <= n <= max(bound, 1)
    assert time.perf_counter() - started < 5
