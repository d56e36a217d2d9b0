"""Architecture validation and bad input: clear ValueErrors before any heavy work."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import clifflasso as cl


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(activation="tanh", depth=2), "unknown activation"),
        (dict(activation="relu", depth=1), "at least 2"),
        (dict(activation="relu", depth=2.0), "integer"),
        (dict(activation="relu", depth=2, norm=3), "norm"),
        (dict(activation="relu", depth=2, kind="pyramid"), "unknown kind"),
        (dict(activation="relu", depth=3, kind="tree", widths=(2,)), "sign and threshold"),
        (dict(activation="sign", depth=3, kind="tree"), "widths"),
        (dict(activation="sign", depth=4, kind="tree", widths=(2,)), "widths"),
        (dict(activation="sign", depth=3, kind="tree", widths=(0,)), "positive"),
        (dict(activation="sign", depth=2, kind="rectangular", widths=()), "depth >= 3"),
        (dict(activation="relu", depth=2, slope=0.1), "slope"),
        (dict(activation="leaky_relu", depth=2, slope=1.5), "slope"),
        (dict(activation="relu", depth=2, widths=(2,)), "widths"),
    ],
)
def test_invalid_architectures_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cl.Architecture(**kwargs)


def test_max_switches():
    assert cl.Architecture("sign", 2).max_switches == 1
    assert cl.Architecture("sign", 4, kind="rectangular", widths=(3, 5)).max_switches == 3
    assert cl.Architecture("threshold", 4, kind="tree", widths=(3, 5)).max_switches == 15


ARCH = cl.Architecture("relu", 2)


@pytest.mark.parametrize(
    "X, message",
    [
        ([0.0, np.nan, 1.0], "NaN"),
        ([0.0, np.inf, 1.0], "NaN or infinite"),
        ([1.0], "at least 2"),
        (np.zeros((3, 2, 2)), "shape"),
        (["a", "b"], "non-numeric"),
        ([sp.Symbol("a"), 1], "symbolic"),
    ],
)
def test_bad_data_raises(X, message):
    with pytest.raises(ValueError, match=message):
        cl.dictionary(X, ARCH)


def test_architectures_without_a_d_dimensional_family_are_refused_clearly():
    with pytest.raises(ValueError, match="no dictionary for relu depth 5.*d = 2; available"):
        cl.dictionary(np.zeros((4, 2)), cl.Architecture("relu", 5))


def test_bad_labels_and_beta_raise():
    D = cl.dictionary([0, 1, 2], ARCH)
    with pytest.raises(ValueError, match="entries"):
        cl.solve(D, [1.0, 2.0], 0.1)
    with pytest.raises(ValueError, match="NaN"):
        cl.solve(D, [1.0, np.nan, 2.0], 0.1)
    with pytest.raises(ValueError, match="beta"):
        cl.solve(D, [1.0, 0.0, 2.0], -1.0)
    with pytest.raises(ValueError, match="shape"):
        cl.solve(D, np.zeros((3, 2)), 0.1)


def test_memory_budget_is_checked_before_building():
    X = np.linspace(0, 1, 400)
    with pytest.raises(ValueError, match=r"GiB.*memory_limit"):
        cl.dictionary(X, cl.Architecture("relu", 4), memory_limit=2**30)


def test_deep_relu_chains_reduce_to_capped_ramps():
    """Every 1-D ReLU chain of depth >= 4 is a capped ramp on the data, so depths 5 and 7
    have the Lasso optimum of depth 4 (its paper family), checked on the dense dictionaries."""
    x = [0, 1, 2, 4, 5]
    y = [1, 0, 2, -1, 3]
    optimum = cl.solve(cl.dictionary(x, cl.Architecture("relu", 4)), y, 0.3).objective
    for depth in (5, 7):
        deeper = cl.solve(cl.dictionary(x, cl.Architecture("relu", depth)), y, 0.3)
        assert deeper.objective == pytest.approx(optimum, rel=1e-9)


def test_unsupported_depths_say_what_exists():
    with pytest.raises(ValueError, match="available"):
        cl.dictionary([0, 1, 2], cl.Architecture("leaky_relu", 3))


def test_shapes_n_and_n_by_1_agree_and_exact_inputs_are_accepted():
    values = [Fraction(1, 3), Fraction(-2), 5, sp.Rational(7, 2)]
    D1 = cl.dictionary(values, cl.Architecture("abs", 3))
    D2 = cl.dictionary(np.array([[float(v)] for v in values]), cl.Architecture("abs", 3))
    assert D1.X.shape == (4, 1)
    np.testing.assert_allclose(D1.matrix, D2.matrix, rtol=0, atol=1e-14)
    assert D1.data.given_exactly and not D2.data.given_exactly


@pytest.mark.parametrize("activation, depth", [("relu", 3), ("abs", 4), ("sign", 2)])
def test_repeated_x_with_different_labels_is_ordinary_data(activation, depth):
    x = [0.0, 1.0, 1.0, 2.0, 3.0]
    y = [0.0, 1.0, -1.0, 2.0, 0.5]
    D = cl.dictionary(x, cl.Architecture(activation, depth))
    for beta in (0.0, 0.05):
        solution = cl.solve(D, y, beta)
        assert np.isfinite(solution.objective)
        # the two samples at x = 1 can only be fitted by their mean
        assert solution.fitted[1] == pytest.approx(solution.fitted[2])
        assert solution.network.objective(x, y, beta) == pytest.approx(solution.objective, rel=1e-8)
