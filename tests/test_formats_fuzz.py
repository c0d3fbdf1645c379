"""Fuzzing the OFD, RTF and 7z readers as ``test_fuzz_readers`` fuzzes the others: mutated
files raise nothing but ExtractError, and none takes long (``NIANBAO_FUZZ_EXAMPLES``)."""

from __future__ import annotations

import io
import random
from functools import cache
from pathlib import Path

import py7zr
from hypothesis import given
from hypothesis import strategies as st

from tests.test_fuzz_readers import FUZZ, _check, mutations, zip_mutations

RTF = Path(__file__).parent / "fixtures" / "rtf"


@cache
def ofd_seed() -> bytes:
    from nianbao.corpus.synth import render_ofd, report

    rng = random.Random(3)
    return render_ofd.render(report.build("ofd", "2021", rng, with_error=False), rng)[0]


@cache
def seven_z_seed() -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        z.writestr((RTF / "word_gbk.rtf").read_bytes(), "年报/report.rtf")
    return buf.getvalue()


@FUZZ
@given(data=st.data())
def test_mutated_ofd_raises_nothing_but_extract_errors(data):
    seed = ofd_seed()
    mutated = data.draw(zip_mutations(seed)) if data.draw(st.booleans()) else data.draw(mutations(seed))
    _check(mutated, "x.ofd")


@FUZZ
@given(data=st.data(), name=st.sampled_from(["word_gbk.rtf", "0002_2019.rtf"]))
def test_mutated_rtf_raises_nothing_but_extract_errors(data, name: str):
    _check(data.draw(mutations((RTF / name).read_bytes())), "x.rtf")


@FUZZ
@given(data=st.data())
def test_mutated_7z_raises_nothing_but_extract_errors(data):
    _check(data.draw(mutations(seven_z_seed())), "x.7z")
