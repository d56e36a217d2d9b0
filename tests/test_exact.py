"""Exact Lasso paths (clifflasso.exact): agreement with cvxpy/Clarabel, exact KKT conditions
at every breakpoint (checked independently on ``Dictionary.symbolic()``), hand-derived N = 2
closed forms, the envelope theorem, tie handling, symbolic data and exact network weights."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from conftest import rational_data, rationals
from hypothesis import given, settings
from hypothesis import strategies as st

import clifflasso as cl
from clifflasso import lasso_path
from clifflasso.exact import ExactLassoSolution, exact_solve
from clifflasso.exact.path import ExactPath
from clifflasso.exact.symbolic_data import symbolic_lasso
from clifflasso.examples import load_example
from clifflasso.solving import NumericPath

#: (id, Architecture kwargs, largest N drawn)
PATH_FAMILIES = [
    ("relu-2", dict(activation="relu", depth=2), 6),
    ("relu-3", dict(activation="relu", depth=3), 6),
    ("relu-3-nobias", dict(activation="relu", depth=3, bias=False), 6),
    ("leaky-2", dict(activation="leaky_relu", depth=2, slope=0.25), 6),
    ("abs-2", dict(activation="abs", depth=2), 6),
    ("abs-3", dict(activation="abs", depth=3), 6),
    ("abs-4", dict(activation="abs", depth=4), 4),
    ("sign-2", dict(activation="sign", depth=2), 6),
    (
        "threshold-3-rect",
        dict(activation="threshold", depth=3, kind="rectangular", widths=(2,)),
        6,
    ),
    ("relu-2-no-intercept", dict(activation="relu", depth=2, output_bias=False), 6),
]
PATH_IDS = [name for name, _, _ in PATH_FAMILIES]
PATH_CASES = [(kwargs, n) for _, kwargs, n in PATH_FAMILIES]


def labels_for(x):
    return st.lists(rationals(4, 3), min_size=len(x), max_size=len(x))


def sympy_kkt(D, solution: ExactLassoSolution) -> list[str]:
    """KKT conditions on the sympy matrix of ``D.symbolic()`` (independent of the homotopy's
    Fraction columns)."""
    A = D.symbolic()
    z = sp.Matrix([sp.Rational(v.numerator, v.denominator) for v in solution.z])
    y = sp.Matrix([sp.Rational(v.numerator, v.denominator) for v in solution.y])
    xi = sp.Rational(solution.intercept.numerator, solution.intercept.denominator)
    beta = sp.Rational(solution.beta.numerator, solution.beta.denominator)
    residual = y - A * z - xi * sp.ones(A.rows, 1)
    failures = []
    if D.arch.output_bias and sum(residual) != 0:
        failures.append("1^T lambda != 0")
    if not D.arch.output_bias and xi != 0:
        failures.append("intercept without output bias")
    correlations = A.T * residual
    for j in range(A.cols):
        if abs(correlations[j]) > beta:
            failures.append(f"|A_{j}^T lambda| > beta")
        if z[j] != 0 and correlations[j] != beta * sp.sign(z[j]):
            failures.append(f"A_{j}^T lambda != beta sign(z_{j})")
    return failures


# ------------------------------------------------------------------ exact vs numeric
@pytest.mark.parametrize("kwargs, max_n", PATH_CASES, ids=PATH_IDS)
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_exact_path_agrees_with_clarabel_at_random_beta(kwargs, max_n, data):
    x = data.draw(rational_data(3, max_n))
    y = data.draw(labels_for(x))
    D = cl.dictionary(x, cl.Architecture(**kwargs))
    path = lasso_path(D, y, exact=True)
    beta = path.beta_max * Fraction(data.draw(st.integers(1, 99)), 100)
    if beta == 0:
        return
    exact = path.solution(beta)
    numeric = cl.solve(D, [float(v) for v in y], float(beta))
    assert float(exact.objective) == pytest.approx(numeric.objective, rel=1e-7, abs=1e-7)
    # the exact optimum is no worse, and F(z) - F* >= ||A(z - z*)||^2 / 2 bounds the fit gap
    excess = numeric.objective - float(exact.objective)
    assert excess >= -1e-9 * (1 + numeric.objective)
    fit_gap = numeric.fitted - np.array([float(v) for v in exact.fitted])
    assert fit_gap @ fit_gap / 2 <= excess + 1e-9 * (1 + numeric.objective)


@pytest.mark.parametrize("kwargs, max_n", PATH_CASES, ids=PATH_IDS)
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_kkt_holds_exactly_at_every_breakpoint(kwargs, max_n, data):
    x = data.draw(rational_data(2, min(max_n, 5)))
    y = data.draw(labels_for(x))
    D = cl.dictionary(x, cl.Architecture(**kwargs))
    path = lasso_path(D, y, exact=True)
    betas = list(path.breakpoints)
    betas += [(a + b) / 2 for a, b in zip(betas, betas[1:])]  # and inside every segment
    for beta in betas:
        solution = path.solution(beta)
        assert sympy_kkt(D, solution) == [], f"beta = {beta}"
        assert solution.kkt_violations() == []
        assert all(isinstance(v, Fraction) for v in solution.z)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_breakpoints_start_at_beta_max_and_end_at_zero(data):
    x = data.draw(rational_data(3, 6))
    y = data.draw(labels_for(x))
    D = cl.dictionary(x, cl.Architecture("relu", 3))
    path = lasso_path(D, y, exact=True)
    A = D.symbolic()
    yc = sp.Matrix([sp.Rational(v.numerator, v.denominator) for v in y])
    yc -= sp.ones(len(y), 1) * (sum(yc) / len(y))
    top = max((abs(v) for v in A.T * yc), default=0)  # centring y suffices: A^T (y - ybar)
    assert path.beta_max == Fraction(int(sp.fraction(top)[0]), int(sp.fraction(top)[1]))
    assert path.breakpoints[-1] == 0
    assert all(a > b for a, b in zip(path.breakpoints, path.breakpoints[1:]))
    if top != 0:
        assert path.solution(path.beta_max).support.size == 0
        below = path.solution(path.beta_max * Fraction(999, 1000))
        assert below.support.size > 0
        assert (
            path.solution(path.beta_max * 2).objective
            == sum((t - sum(y) / len(y)) ** 2 for t in y) / 2
        )


# ------------------------------------------------------------------ closed forms, theory
@pytest.mark.parametrize(
    "example, depth, min_l1",
    # "A Library of Mirrors" Fig. 3 / 18 / 19: min-l1 interpolants
    [("mirrors", 2, 2), ("mirrors", 3, 1), ("zshape", 3, Fraction(3, 4)), ("bounce", 2, 4)],
)
def test_path_ends_at_the_minimum_l1_interpolant(example, depth, min_l1):
    x, y = load_example(example)
    end = lasso_path(cl.dictionary(x, cl.Architecture("relu", depth)), y, exact=True).solution(0)
    assert end.l1_norm == min_l1
    assert list(end.fitted) == list(y)


@settings(max_examples=15, deadline=None)
@given(
    x=rational_data(2, 2),
    y=st.lists(rationals(), min_size=2, max_size=2),
    k=st.integers(0, 120),
)
def test_two_points_soft_threshold_by_hand(x, y, k):
    r"""N = 2, ReLU depth 2: the fit moves the two values towards each other,
    :math:`\delta = \mathrm{sign}(\Delta y)\max(|\Delta y| - 2\beta/\Delta x, 0)`, with cost
    :math:`(\Delta y - \delta)^2/4 + \beta|\delta|/\Delta x` (hand derivation)."""
    (x1, y1), (x2, y2) = sorted(zip(x, y))
    dx, dy = x2 - x1, y2 - y1
    beta = Fraction(k, 40)
    solution = exact_solve(cl.dictionary([x1, x2], cl.Architecture("relu", 2)), [y1, y2], beta)
    delta = (1 if dy > 0 else -1) * max(abs(dy) - 2 * beta / dx, Fraction(0))
    assert solution.fitted[1] - solution.fitted[0] == delta
    assert solution.objective == (dy - delta) ** 2 / 4 + beta * abs(delta) / dx


@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_envelope_theorem_on_the_objective_formula(data):
    r"""The objective formula is continuous and :math:`dP/d\beta = \|z^*(\beta)\|_1`."""
    x = data.draw(rational_data(3, 5))
    y = data.draw(labels_for(x))
    path = lasso_path(cl.dictionary(x, cl.Architecture("abs", 3)), y, exact=True)
    b = sp.Symbol("beta", nonnegative=True)
    formula = path.objective_formula(b)
    for k in data.draw(st.lists(st.integers(1, 199), min_size=2, max_size=4)):
        beta = path.beta_max * Fraction(k, 100)
        value = sp.Rational(beta.numerator, beta.denominator)
        assert formula.subs(b, value) == sp.Rational(str(path.objective(beta)))
        slope = sp.diff(formula, b).subs(b, value)
        if beta not in path.breakpoints:
            assert slope == sp.Rational(str(path.solution(beta).l1_norm))
    for beta in path.breakpoints[1:-1]:
        value = sp.Rational(beta.numerator, beta.denominator)
        left = [p.expr for p in formula.args if p.cond.subs(b, value + sp.Rational(1, 10**9))]
        assert left[0].subs(b, value) == sp.Rational(str(path.objective(beta)))


def test_duplicate_columns_and_ties_give_the_deduplicated_optimum():
    # symmetric data: tied correlations at beta_max and many dependent columns
    x, y = [0, 1, 2, 3, 4], [0, 2, 3, 2, 0]
    arch = cl.Architecture("relu", 3)
    raw = lasso_path(cl.dictionary(x, arch, dedupe=False), y, exact=True)
    deduped = lasso_path(cl.dictionary(x, arch, dedupe=True), y, exact=True)
    assert len(raw.kept_columns) == len(deduped.kept_columns) < len(raw.dictionary)
    assert raw.breakpoints == deduped.breakpoints
    for beta in [*raw.breakpoints, Fraction(1, 3), Fraction(7, 5)]:
        assert raw.objective(beta) == deduped.objective(beta)
        assert sympy_kkt(raw.dictionary, raw.solution(beta)) == []
        assert raw.solution(beta).support.size <= len(x) - 1


def test_float_data_are_taken_at_their_binary_values():
    x, y = [0.1, 0.7, 1.3, 2.9], [0.3, -1.1, 0.2, 0.9]
    D = cl.dictionary(x, cl.Architecture("abs", 3))
    path = lasso_path(D, y, exact=True)
    assert path.kkt_violations() == {}
    beta = path.beta_max / 3
    assert float(path.objective(beta)) == pytest.approx(cl.solve(D, y, float(beta)).objective)


def test_exact_solve_matches_the_full_path():
    x, y = load_example("zshape")
    D = cl.dictionary(x, cl.Architecture("relu", 3))
    path = lasso_path(D, y, exact=True)
    for beta in [Fraction(1, 7), path.breakpoints[2], "1/3", 0.25]:
        assert exact_solve(D, y, beta).objective == path.objective(beta)
        assert list(exact_solve(D, y, beta).fitted) == list(path.solution(beta).fitted)


def test_numeric_path_on_a_grid():
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("relu", 3))
    exact = lasso_path(D, y, exact=True)
    numeric = lasso_path(D, y, [0.5, 4.0, 1.0])
    assert isinstance(numeric, NumericPath) and isinstance(exact, ExactPath)
    assert numeric.breakpoints == (4.0, 1.0, 0.5)
    for beta in (4.0, 1.0, 0.5, 2.0):
        assert numeric.objective(beta) == pytest.approx(float(exact.objective(beta)), rel=1e-7)
    assert [s.beta for s in numeric.solutions()] == [4.0, 1.0, 0.5]
    assert len(lasso_path(D, y)) == 25


def test_refusals():
    D2 = cl.dictionary([[0, 0], [1, 0], [0, 1]], cl.Architecture("relu", 2))
    with pytest.raises(ValueError, match="irrational"):
        exact_solve(D2, [0, 1, 1], 0)
    D = cl.dictionary([0, 1, 2], cl.Architecture("relu", 2))
    with pytest.raises(ValueError, match="betas"):
        lasso_path(D, [0, 1, 0], [0.1], exact=True)
    with pytest.raises(ValueError, match="beta"):
        exact_solve(D, [0, 1, 0], -1)
    with pytest.raises(ValueError, match="entries"):
        exact_solve(D, [0, 1], 0)


def test_exact_l1_hyperplane_family_in_two_dimensions():
    X = [[0, 0], [1, 0], [0, 1], [1, 1]]
    y = [0, 1, 1, 0]
    D = cl.dictionary(X, cl.Architecture("abs", 2, norm=1))
    path = lasso_path(D, y, exact=True)
    assert path.kkt_violations() == {}
    beta = path.beta_max / 4
    assert float(path.objective(beta)) == pytest.approx(
        cl.solve(D, y, float(beta)).objective, rel=1e-7
    )
    x1, x2 = sp.symbols("x_1:3", real=True)
    solution = path.solution(beta)
    assert [solution.formula.subs({x1: a, x2: b}) for a, b in X] == [
        sp.Rational(str(v)) for v in solution.fitted
    ]


# ------------------------------------------------------------------ symbolic data
def test_two_point_symbolic_solution_is_the_soft_threshold():
    result = symbolic_lasso(cl.Architecture("relu", 2), 2)
    x1, x2 = result.points
    d = x2 - x1
    y1, y2 = result.labels
    beta = result.beta
    difference = result.formula.subs(result.x, x2) - result.formula.subs(result.x, x1)
    hand = sp.sign(y2 - y1) * sp.Max(sp.Abs(y2 - y1) - 2 * beta / d, 0)
    rng = np.random.default_rng(5)
    for _ in range(20):
        a, b = sorted(Fraction(int(v), 3) for v in rng.choice(np.arange(-9, 10), 2, replace=False))
        labels = [Fraction(int(v), 2) for v in rng.integers(-6, 7, 2)]
        value = Fraction(int(rng.integers(0, 12)), 4) + Fraction(1, 8)
        mapping = result.substitute(
            [sp.Rational(str(a)), sp.Rational(str(b))],
            [sp.Rational(str(v)) for v in labels],
            sp.Rational(str(value)),
        )
        assert difference.subs(mapping) == hand.subs(mapping)


def test_three_point_symbolic_solution_matches_the_exact_path():
    arch = cl.Architecture("abs", 2)
    result = symbolic_lasso(arch, 3)
    rng = np.random.default_rng(11)
    for _ in range(5):
        points = sorted(Fraction(int(v), 2) for v in rng.choice(np.arange(-8, 9), 3, replace=False))
        labels = [Fraction(int(v), 3) for v in rng.integers(-6, 7, 3)]
        path = lasso_path(cl.dictionary(points, arch), labels, exact=True)
        for beta in (path.beta_max * Fraction(1, 5), path.beta_max * Fraction(2, 3)):
            if beta == 0:
                continue
            function = result.at(
                [sp.Rational(str(p)) for p in points],
                [sp.Rational(str(v)) for v in labels],
                sp.Rational(str(beta)),
            )
            fitted = [function.subs(result.x, sp.Rational(str(p))) for p in points]
            assert fitted == [sp.Rational(str(v)) for v in path.solution(beta).fitted]


def test_symbolic_refusals():
    with pytest.raises(ValueError, match="N = 2"):
        symbolic_lasso(cl.Architecture("relu", 2), 4)
    with pytest.raises(ValueError, match="no symbolic version"):
        symbolic_lasso(cl.Architecture("abs", 4), 2)


# ------------------------------------------------------------------ exact networks
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(activation="relu", depth=2),
        dict(activation="relu", depth=3),
        dict(activation="relu", depth=4),
        dict(activation="leaky_relu", depth=2, slope=0.25),
        dict(activation="abs", depth=3),
        dict(activation="abs", depth=4),
        dict(activation="sign", depth=4, kind="tree", widths=(2, 2)),
        dict(activation="threshold", depth=3, kind="rectangular", widths=(2,)),
    ],
    ids=lambda k: f"{k['activation']}-{k['depth']}",
)
def test_exact_network_weights_realise_the_formula(kwargs):
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture(**kwargs))
    solution = exact_solve(D, y, Fraction(1, 5))
    network = solution.exact_network
    assert network.width == solution.support.size > 0
    # balanced chains: the penalty of the exact weights is ||z||_1, exactly
    assert network.penalty() == sp.Rational(str(solution.l1_norm))
    symbol = sp.Symbol("x", real=True)
    through_weights = network.expression(symbol)
    points = [Fraction(-3), Fraction(1, 3), Fraction(9, 2), Fraction(7), Fraction(31, 3)]
    expected = solution.predict_exact(points)
    for point, value in zip(points, expected):
        at = sp.Rational(str(point))
        assert sp.nsimplify(through_weights.subs(symbol, at)) == sp.Rational(str(value))
        assert solution.formula.subs(symbol, at) == sp.Rational(str(value))
    grid = np.linspace(-3, 12, 31)
    np.testing.assert_allclose(solution.network.predict(grid), solution.predict(grid), atol=1e-9)
    labels = np.array([float(v) for v in y])
    assert solution.network.objective(x, labels, 0.2) == pytest.approx(float(solution.objective))


def test_exact_solution_converts_to_numeric_and_certifies():
    x, y = load_example("zshape")
    solution = exact_solve(cl.dictionary(x, cl.Architecture("relu", 3)), y, Fraction(1, 10))
    numeric = solution.to_numeric()
    assert numeric.objective == pytest.approx(float(solution.objective), rel=1e-12)
    assert cl.certify(numeric).optimal
