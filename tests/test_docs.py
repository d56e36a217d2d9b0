"""The documentation stands alone: it builds without warnings and nothing points outside.

``docs/`` is a Sphinx site (MyST Markdown pages, API reference from the docstrings); the build
treats every warning as an error (``make docs`` runs the same command).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import clifflasso

REPOSITORY = Path(__file__).resolve().parent.parent
DOCS = REPOSITORY / "docs"
#: The folder of notes and specifications that lives beside the repository, not in it.
OUTSIDE = "shared" + "/"


def test_the_docs_build_with_warnings_as_errors(tmp_path):
    for module in ("sphinx", "myst_parser", "furo"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[docs]')")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "html" / "api.html").is_file()


def test_the_api_reference_documents_every_public_name():
    reference = (DOCS / "api.md").read_text()
    missing = [name for name in clifflasso.__all__ if f":: clifflasso.{name}\n" not in reference]
    assert not missing, missing


def test_no_file_points_outside_the_repository():
    offenders = []
    for folder in ("clifflasso", "tests", "notebooks", "docs"):
        for path in sorted((REPOSITORY / folder).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or "_build" in path.parts:
                continue
            if OUTSIDE.encode() in path.read_bytes():
                offenders.append(str(path.relative_to(REPOSITORY)))
    assert not offenders, offenders
