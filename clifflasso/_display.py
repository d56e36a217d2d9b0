r"""Rich display in Jupyter: the small HTML and LaTeX pieces of the ``_repr_html_`` and
``_repr_latex_`` methods of the main objects.

Every rich repr is a short table of the object's key facts (sizes, :math:`\beta`, objective,
verdict) and, for small objects, the formula of the fitted function, typeset by MathJax from
``\(...\)`` delimiters. Formulas are shown only up to :data:`MAX_FORMULA_TERMS` terms.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy as sp

#: Largest number of terms (active units, features) whose formula a rich repr typesets.
MAX_FORMULA_TERMS = 8

#: Largest number of rows (breakpoints, units) a rich repr lists.
MAX_ROWS = 8


def number(value: object, digits: int = 10) -> str:
    """A number as display text: fractions as ``p/q``, floats to ``digits`` significant digits."""
    if isinstance(value, (Fraction, int)) or type(value).__module__.startswith("sympy"):
        return str(value)
    return f"{float(value):.{digits}g}"


def inline(latex: str) -> str:
    r"""Inline LaTeX for MathJax inside HTML: ``\(...\)``, HTML-escaped."""
    return html.escape(rf"\({latex}\)")


def table(title: str, rows: Iterable[tuple[str, str]], footer: str = "") -> str:
    """An HTML table: a bold ``title`` caption, one ``name | value`` row per pair (values are
    HTML already), then ``footer`` (HTML) below."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(name)}</th>"
        f"<td style='text-align:left'>{value}</td></tr>"
        for name, value in rows
    )
    caption = f"<caption style='text-align:left'><b>{html.escape(title)}</b></caption>"
    return f"<table>{caption}{body}</table>{footer}"


def text(value: object) -> str:
    """Plain text, HTML-escaped."""
    return html.escape(str(value))


def dictionary_row(D) -> tuple[str, str]:
    """The table row naming a dictionary: family, architecture and shape."""
    return (
        "dictionary",
        text(
            f"{D.family.name}, {D.arch.activation} depth {D.arch.depth}, "
            f"N = {D.shape[0]}, P = {D.shape[1]}"
        ),
    )


def formula_block(name: str, expression: sp.Expr) -> str:
    """A displayed equation ``name = expression`` for HTML."""
    import sympy as sp

    return f"<p>{inline(f'{name} = {sp.latex(expression)}')}</p>"


def grid(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """An HTML table with a header row (text) and rows of HTML cells."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
