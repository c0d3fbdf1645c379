"""The README stays true to the code it documents."""

from __future__ import annotations

from pathlib import Path

from nianbao.normalize.rules import rules_markdown

README = (Path(__file__).parents[1] / "README.md").read_text("utf-8")


def test_readme_lists_every_validation_rule():
    assert rules_markdown().strip() in README


def test_readme_names_every_command():
    from typer.main import get_command

    from nianbao.corpus.cli import app

    for name in get_command(app).commands:  # type: ignore[attr-defined]
        assert f"nianbao {name}" in README, name
