"""Closed forms (exact rationals) equal the numeric kernel, column by column, for every family."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from conftest import DEEP_ABS, FAMILIES, FAMILY_IDS, architecture, rational_data
from hypothesis import given, settings
from hypothesis import strategies as st

import clifflasso as cl
from clifflasso.families.abs_vertices import AbsVertexFamily


def _binary(value: Fraction) -> bool:
    return value.denominator & (value.denominator - 1) == 0


def _float_exact_columns(D: cl.Dictionary) -> np.ndarray:
    """Columns whose parameters are binary fractions (deep abs vertices may be, e.g., 1/3)."""
    if not isinstance(D.family, AbsVertexFamily):
        return np.ones(len(D), dtype=bool)
    return np.array(
        [
            all(_binary(v) for v in D.family.exact_parameters_theta(D.table, j))
            for j in range(len(D))
        ]
    )


def _assert_columns_match(D: cl.Dictionary, exact_in_float: bool) -> None:
    S = D.symbolic()
    assert S.shape == D.matrix.shape
    assert all(entry.is_Rational for entry in S)
    if exact_in_float:
        # half-integer data: the kernel is exact in float64 wherever the parameters are
        # binary fractions (deep abs vertices can have other denominators, e.g. 1/3 at L = 5)
        exact_columns = _float_exact_columns(D)
        for (i, j), value in np.ndenumerate(D.matrix):
            exact = Fraction(int(S[i, j].p), int(S[i, j].q))
            if exact_columns[j]:
                assert Fraction(value) == exact, (i, j)
            else:
                assert value == pytest.approx(float(exact), rel=1e-13, abs=1e-13)
    else:
        exact = np.array(S.tolist(), dtype=float)
        scale = 1.0 + np.max(np.abs(exact))
        np.testing.assert_allclose(D.matrix, exact, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("name, kwargs, max_n", FAMILIES, ids=FAMILY_IDS)
@given(data=st.data())
def test_symbolic_matches_matrix_on_rational_data(name, kwargs, max_n, data):
    arch = architecture(kwargs)
    X = data.draw(rational_data(max_size=max_n, unique=False))
    D = cl.dictionary(X, arch, dedupe=False)
    _assert_columns_match(D, exact_in_float=False)


@pytest.mark.parametrize("name, kwargs, max_n", FAMILIES, ids=FAMILY_IDS)
@given(data=st.data())
def test_symbolic_matches_matrix_exactly_on_half_integers(name, kwargs, max_n, data):
    arch = architecture(kwargs)
    X = data.draw(
        st.lists(st.integers(-40, 40).map(lambda k: Fraction(k, 2)), min_size=2, max_size=max_n)
    )
    D = cl.dictionary(X, arch, dedupe=False)
    _assert_columns_match(D, exact_in_float=True)


@settings(max_examples=3)
@given(X=st.lists(st.integers(-20, 20).map(lambda k: Fraction(k, 2)), min_size=2, max_size=2))
def test_symbolic_matches_matrix_for_depth_5_abs(X):
    D = cl.dictionary(X, architecture(DEEP_ABS[1]), dedupe=False)
    _assert_columns_match(D, exact_in_float=True)


def test_expressions_are_closed_forms_in_x():
    x = sp.Symbol("x", real=True)
    D = cl.dictionary([0, 1, 3], cl.Architecture("abs", 3), dedupe=False)
    formulas = D.expressions(x)
    reflection = next(
        f
        for f, feat in zip(formulas, D.features)
        if feat.kind == "reflection" and feat.indices == (1, 0)
    )
    # x_0 = 0 reflected about x_1 = 1 is 2: the feature is min(|x|, |x - 2|)
    assert sp.simplify(reflection - sp.Min(sp.Abs(x), sp.Abs(x - 2))) == 0
    assert "\\min" in sp.latex(reflection) or "min" in sp.latex(reflection)


def test_paper_reflection_feature_is_capped_ramp_5_to_8():
    """'A Library of Mirrors' Fig. 3: data (0,4,5,7,10,11), s = (-1,-1,+1), x_j1 = 0, x_j2 = 4,
    x_j3 = 5 (with the reflection 8 = 2*4 - 0) gives the capped ramp [5, 8]."""
    data = [0, 4, 5, 7, 10, 11]
    D = cl.dictionary(data, cl.Architecture("relu", 4), dedupe=False)
    x = sp.Symbol("x", real=True)
    capped = sp.Min(sp.Max(x - 5, 0), 3)
    found = []
    for j, feature in enumerate(D.features):
        if feature.kind == "reflected" and feature.indices == (0, 1, 2):
            expression = D.expressions(x, columns=[j])[0]
            grid = [sp.Rational(k, 4) for k in range(-8, 60)]
            if all(expression.subs(x, t) == capped.subs(x, t) for t in grid):
                found.append(feature)
    assert found and found[0].breakpoints == (5.0, 8.0)
