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


def test_exact_paths_estimate_their_cost_first_and_report_each_breakpoint(monkeypatch):
    """``lasso_path(..., exact=True)`` refuses a path estimated above the limit with the same
    one-line message as the command line, unless ``force=True``; ``progress`` sees every
    breakpoint."""
    import clifflasso.exact.path as exact_path
    from clifflasso.exact import ExactPath, exact_path_cost

    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("relu", 2))
    cost = exact_path_cost(D, y)
    assert cost.n_samples == 6 and cost.n_columns == len(D) and cost.problem() is None
    assert exact_path_cost(x, y, arch=D.arch).n_columns == D.n_raw  # before building D
    monkeypatch.setattr(exact_path, "_SECONDS_PER_UNIT", 1.0)
    with pytest.raises(ValueError, match=r"N=6 points .* force=True\)$"):
        cl.lasso_path(D, y, exact=True)
    seen = []
    path = ExactPath(D, y, force=True, progress=lambda k, beta: seen.append((k, beta)))
    assert [k for k, _ in seen] == list(range(1, len(path.breakpoints)))
    assert [beta for _, beta in seen] == list(path.breakpoints[:-1])
    assert cl.lasso_path(D, y, exact=True, force=True).breakpoints == path.breakpoints


def test_data_in_symbols_has_a_public_entry_point_named_by_the_error():
    import sympy as sp

    from clifflasso.exact import symbolic_dictionary

    assert "symbolic_lasso" in cl.__all__ and cl.symbolic_lasso.__module__.startswith("clifflasso")
    with pytest.raises(ValueError, match=r"clifflasso\.symbolic_lasso\(arch, N\).*N <= 3"):
        cl.dictionary([sp.Symbol("a"), 1, 2], cl.Architecture("relu", 2))
    with pytest.raises(ValueError, match=r"N = 2\.\.3 points, got 4 .*N = 6"):
        cl.symbolic_lasso(cl.Architecture("relu", 2), 4)
    five = symbolic_dictionary(cl.Architecture("relu", 2), 5)  # beyond the Lasso's N = 3
    numeric = cl.dictionary([0, 1, 3, 4, 7], cl.Architecture("relu", 2))
    assert len(five.features) == len(numeric)
    at = {five.points[0]: 0, **dict(zip(five.gaps, [1, 2, 1, 3]))}
    values = sorted(
        tuple(sp.sympify(f).subs(at).subs(five.x, p) for p in (0, 1, 3, 4, 7))
        for f in five.features
    )
    assert values == sorted(tuple(int(v) for v in column) for column in numeric.matrix.T)
