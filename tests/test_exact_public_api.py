"""PUBLIC API of the exact closed forms, as wired into the package (``clifflasso.solve(...,
exact=True)``, ``clifflasso.lasso_path``, ``clifflasso.export``, ``clifflasso export``).

These tests need the wiring in ``clifflasso/__init__.py``, ``clifflasso/solving.py`` and
``clifflasso/cli.py``; the same functionality is tested module by module in ``test_exact.py``
and ``test_export.py``.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

import clifflasso as cl
from clifflasso.cli import main
from clifflasso.examples import load_example


def test_solve_exact_returns_exact_numbers_that_match_clarabel():
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("relu", 3))
    exact = cl.solve(D, y, Fraction(1, 3), exact=True)
    assert isinstance(exact, cl.ExactLassoSolution)
    assert all(isinstance(v, Fraction) for v in (exact.objective, exact.intercept, *exact.z))
    assert exact.kkt_violations() == []
    numeric = cl.solve(D, [float(v) for v in y], 1 / 3)
    assert float(exact.objective) == pytest.approx(numeric.objective, rel=1e-7)


def test_lasso_path_exact_and_numeric_share_the_interface():
    x, y = load_example("zshape")
    D = cl.dictionary(x, cl.Architecture("abs", 3))
    exact = cl.lasso_path(D, y, exact=True)
    numeric = cl.lasso_path(D, [float(v) for v in y], [2.0, 0.5])
    assert isinstance(exact, cl.Path) and isinstance(numeric, cl.Path)
    assert exact.breakpoints[0] == exact.beta_max and exact.breakpoints[-1] == 0
    for beta in (2.0, 0.5):
        assert numeric.objective(beta) == pytest.approx(float(exact.objective(beta)), rel=1e-7)
        assert exact.solution(beta).formula is not None


def test_export_module_is_public():
    x, y = load_example("mirrors")
    solution = cl.solve(cl.dictionary(x, cl.Architecture("relu", 2)), y, 0, exact=True)
    back = cl.export.from_json(cl.export.to_json(solution))
    assert back.objective == solution.objective
    assert list(back.fitted) == list(y)


def test_cli_export_verb():
    result = CliRunner().invoke(
        main, ["export", "--example", "mirrors", "--depth", "3", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["exact"] is True
    assert np.isclose(float(Fraction(document["beta"])), 1e-3)
