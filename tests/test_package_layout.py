"""``nianbao`` is the only top-level name installed, and the import boundaries hold.

The folders ``extract/``, ``normalize/`` and ``corpus/`` are installed as ``nianbao.extract``,
``nianbao.normalize`` and ``nianbao.corpus`` (``package-dir`` in pyproject.toml).
``nianbao.extract`` imports neither of the others; ``nianbao.normalize`` does not import
``nianbao.corpus``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {
    "nianbao": "nianbao",
    "nianbao.extract": "extract",
    "nianbao.normalize": "normalize",
    "nianbao.corpus": "corpus",
}
OLD_NAMES = ("extract", "normalize", "corpus")
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def _imports(package: str) -> set[str]:
    """The absolute names the modules of ``package`` import (relative imports resolved)."""
    folder = ROOT / FOLDERS[package]
    names = set()
    for path in folder.rglob("*.py"):
        module = ".".join([package, *path.relative_to(folder).with_suffix("").parts])
        is_init = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")[: len(module.split(".")) - node.level + is_init]
                    names.add(".".join([*base, *filter(None, [node.module])]))
                else:
                    names.add(node.module or "")
    return names


def _under(names: set[str], package: str) -> set[str]:
    return {n for n in names if n == package or n.startswith(package + ".")}


def test_every_package_is_under_nianbao():
    assert set(SETUPTOOLS["package-dir"]) == set(FOLDERS)
    for name in SETUPTOOLS["packages"]:
        assert name == "nianbao" or name.startswith("nianbao."), name
    for name in SETUPTOOLS.get("package-data", {}):
        assert name.startswith("nianbao"), name


def test_every_folder_with_an_init_is_a_listed_package():
    found = set()
    for package, folder in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(".".join([package, *init.parent.relative_to(ROOT / folder).parts]))
    assert found == set(SETUPTOOLS["packages"])


def test_nothing_imports_the_old_top_level_names():
    """From a source tree ``import corpus`` would still work (the tree is on sys.path) and
    give a second copy of every module; installed, it fails."""
    skip = {".git", ".venv", "venv", "build", "dist", "__pycache__", "fixtures", "artifacts"}
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if skip.intersection(parts) or any(p.endswith(".egg-info") for p in parts):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] in OLD_NAMES
            ]
    assert not found


def test_extract_imports_neither_normalize_nor_corpus():
    names = _imports("nianbao.extract")
    assert not _under(names, "nianbao.normalize") and not _under(names, "nianbao.corpus")
    assert "nianbao" not in names  # the package's own __init__ re-exports corpus


def test_normalize_does_not_import_corpus():
    names = _imports("nianbao.normalize")
    assert not _under(names, "nianbao.corpus") and "nianbao" not in names


def _loaded(module: str) -> list[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()


def test_importing_extract_loads_neither_normalize_nor_corpus():
    loaded = _loaded("nianbao.extract.readers.docx")
    assert not [m for m in loaded if m.startswith(("nianbao.normalize", "nianbao.corpus", *OLD_NAMES))]


def test_importing_normalize_loads_no_corpus():
    loaded = _loaded("nianbao.normalize.pipeline")
    assert not [m for m in loaded if m.startswith(("nianbao.corpus", *OLD_NAMES))]


def test_the_api_is_there_on_first_use():
    import nianbao
    from nianbao.corpus import api

    assert nianbao.read is api.convert and nianbao.open is api.open_dataset
    assert {"convert", "open", "read", "Report", "Dataset"} <= set(dir(nianbao))
    with pytest.raises(AttributeError):
        nianbao.no_such_name  # noqa: B018
