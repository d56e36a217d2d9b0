"""Sphinx configuration of the clifflasso documentation (``make docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sphinx.ext.napoleon import Config  # noqa: E402
from sphinx.ext.napoleon.docstring import NumpyDocstring  # noqa: E402

import clifflasso  # noqa: E402

project = "clifflasso"
author = "clifflasso developers"
copyright = "2026, clifflasso developers"
release = clifflasso.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "undoc-members": False}

html_theme = "furo"
html_title = f"clifflasso {release}"


_NUMPY_STYLE = Config(napoleon_google_docstring=False)


def _numpy_sections(app, what, name, obj, options, lines):
    """NumPy-style sections (Parameters, Attributes, ...) in the docstrings of modules, classes
    and functions; the docstrings of attributes and properties are prose ("The support: ...")
    and stay as written."""
    if what not in {"attribute", "data", "property"}:
        lines[:] = NumpyDocstring(lines, _NUMPY_STYLE, app, what, name, obj, options).lines()


def setup(app):
    app.connect("autodoc-process-docstring", _numpy_sections)
