"""Geometric-algebra core: galgebra, cofactor formulas, clifford and the numpy kernels agree."""

from __future__ import annotations

from fractions import Fraction
from functools import cache, reduce
from operator import xor

import numpy as np
import pytest
import sympy as sp
from galgebra.ga import Ga
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clifflasso.numeric import geometry as num
from clifflasso.symbolic import geometric as geo

SYMBOLIC = settings(deadline=None, max_examples=20)

small_ints = st.integers(-4, 4)
small_rationals = st.builds(Fraction, st.integers(-12, 12), st.integers(1, 4))


def vectors_in(d: int, count: int, entries=small_ints):
    """``count`` vectors of length ``d``."""
    return st.lists(st.lists(entries, min_size=d, max_size=d), min_size=count, max_size=count)


def vector_lists(low: int, high: int, count, entries=small_ints):
    """``(d, vectors)`` with ``low <= d <= high`` and ``count(d)`` vectors of length ``d``."""
    return st.integers(low, high).flatmap(
        lambda d: st.tuples(st.just(d), vectors_in(d, count(d), entries))
    )


def cross_inputs(entries=small_ints, high: int = 5):
    return vector_lists(2, high, lambda d: d - 1, entries)


def as_float(vectors) -> np.ndarray:
    return np.array([[float(c) for c in v] for v in vectors])


def exact(matrix: sp.Matrix) -> np.ndarray:
    return np.array([float(c) for c in matrix])


def is_zero(matrix: sp.Matrix) -> bool:
    return all(sp.cancel(c) == 0 for c in matrix)


@cache
def clifford_algebra(d: int):
    import clifford  # ~7 s numba JIT on the first product, so only imported here

    layout, blades = clifford.Cl(d)
    return layout, [blades[f"e{i}"] for i in range(1, d + 1)]


def clifford_cross(vectors) -> np.ndarray:
    d = len(vectors[0])
    layout, basis = clifford_algebra(d)
    blade = reduce(xor, (sum(float(c) * e for c, e in zip(v, basis)) for v in vectors))
    dual = blade.dual()
    grade_one = [i for i, grade in enumerate(layout.gradeList) if grade == 1]
    np.testing.assert_array_equal(dual(1).value, dual.value)  # the dual is a pure vector
    return dual.value[grade_one]


# --- generalized cross product -------------------------------------------------------------


@SYMBOLIC
@given(cross_inputs(entries=small_rationals), st.sampled_from(["cofactor", "galgebra"]))
def test_cross_is_the_determinant_functional(case, method):
    d, vectors = case
    x = sp.Matrix(sp.symbols(f"x1:{d + 1}"))
    g = geo.generalized_cross(vectors, method=method)
    det = sp.Matrix([list(x), *vectors]).det(method="laplace")
    assert sp.expand(g.dot(x) - det) == 0


@SYMBOLIC
@given(cross_inputs(entries=small_rationals))
def test_cross_is_orthogonal_and_has_the_blade_norm(case):
    d, vectors = case
    g = geo.generalized_cross(vectors)
    assert sp.Matrix(vectors) * g == sp.zeros(d - 1, 1)
    assert g.dot(g) == geo.blade_norm(vectors) ** 2


@pytest.mark.parametrize("d", [2, 3, 4, 5])
def test_symbolic_cross_routes_agree(d):
    vectors = [sp.symbols(f"b{i}_1:{d + 1}") for i in range(1, d)]
    cofactor = geo.generalized_cross(vectors)
    assert sp.expand(cofactor - geo.generalized_cross(vectors, method="galgebra")) == sp.zeros(d, 1)
    x = sp.Matrix(sp.symbols(f"x1:{d + 1}"))
    det = sp.Matrix([list(x), *vectors]).det(method="laplace")
    assert sp.expand(cofactor.dot(x) - det) == 0


def test_cross_small_cases():
    a, b = (1, 2, 3), (-1, Fraction(1, 2), 2)
    assert list(geo.generalized_cross([a, b], method="galgebra")) == list(
        sp.Matrix(a).cross(sp.Matrix(b))
    )
    assert list(geo.generalized_cross([(3, 5)])) == [5, -3]  # b rotated by -90 degrees


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6])
@settings(deadline=None, max_examples=5)
@given(data=st.data())
def test_galgebra_cofactor_clifford_and_numpy_agree(d, data):
    vectors = data.draw(vectors_in(d, d - 1))
    g = geo.generalized_cross(vectors)
    assert geo.generalized_cross(vectors, method="galgebra") == g
    np.testing.assert_allclose(clifford_cross(vectors), exact(g), atol=1e-9)
    np.testing.assert_allclose(num.generalized_cross(as_float(vectors)), exact(g), atol=1e-9)
    np.testing.assert_allclose(
        num.blade_norm(as_float(vectors)), float(geo.blade_norm(vectors)), atol=1e-9
    )


def test_wedge_coordinates_are_minors():
    vectors = [(1, 2, 0, -1), (0, 3, 1, 2)]
    coefficients = geo.wedge(vectors).get_coefs(2)  # e12, e13, e14, e23, e24, e34
    rows = sp.Matrix(vectors)
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    assert coefficients == [rows[:, [i, j]].det() for i, j in pairs]
    assert sum(c**2 for c in coefficients) == geo.blade_norm(vectors) ** 2  # Cauchy-Binet


@pytest.mark.parametrize("d, sign", [(2, -1), (3, -1), (4, 1), (5, 1)])
def test_galgebra_default_dual_differs_by_a_sign(d, sign):
    """galgebra's default mode 'I+' is B I = (-1)^{d(d-1)/2} B I^{-1}."""
    vectors = [[(3 * i + 5 * j) % 7 - 3 for j in range(d)] for i in range(d - 1)]
    g = geo.generalized_cross(vectors)
    assert g != sp.zeros(d, 1)
    with geo.dual_mode("I+"):
        default = geo.euclidean_algebra(d).wedge(vectors).dual()
    assert geo.euclidean_algebra(d).coordinates(default) == sign * g


@pytest.mark.parametrize("mode", ["I+", "+I", "Iinv-"])
def test_global_dual_mode_is_left_unchanged(mode):
    saved = Ga.dual_mode_value
    Ga.dual_mode(mode)
    try:
        vectors = [(1, 2, 3), (-1, 0, 2)]
        assert list(geo.generalized_cross(vectors, method="galgebra")) == [4, -5, 2]
        geo.rejection((1, 1, 1), vectors)
        geo.reflect_point((1, 2, 3), (0, 1, 1), 2, method="versor")
        geo.hyperplane_through([(0, 0, 1), (1, 0, 0), (0, 1, 0)], method="galgebra")
        assert Ga.dual_mode_value == mode
    finally:
        Ga.dual_mode(saved)
    assert Ga.dual_mode_value == saved


def test_dual_mode_is_restored_after_an_error():
    saved = Ga.dual_mode_value
    with pytest.raises(RuntimeError), geo.dual_mode("Iinv+"):
        raise RuntimeError
    assert Ga.dual_mode_value == saved


# --- rejection -------------------------------------------------------------------------------


rejection_inputs = st.integers(2, 5).flatmap(
    lambda d: st.tuples(
        st.lists(small_rationals, min_size=d, max_size=d),
        st.integers(1, d - 1).flatmap(lambda k: vectors_in(d, k)),
    )
)


@SYMBOLIC
@given(rejection_inputs)
def test_rejection_is_the_orthogonal_component(case):
    a, vectors = case
    rows = sp.Matrix(vectors)
    assume(rows.rank() == rows.rows)
    r = geo.rejection(a, vectors)
    assert rows * r == sp.zeros(rows.rows, 1)
    assert sp.Matrix([*vectors, list(sp.Matrix(a) - r)]).rank() == rows.rows  # a - r in span B
    projection = rows.T * (rows * rows.T).inv() * rows * sp.Matrix(a)
    assert r == sp.Matrix(a) - projection
    np.testing.assert_allclose(
        num.rejection(np.array(a, dtype=float), as_float(vectors)), exact(r), atol=1e-9
    )


@SYMBOLIC
@given(cross_inputs(high=4), st.lists(small_ints, min_size=4, max_size=4))
def test_rejection_from_a_hyperplane_is_along_the_cross_product(case, coordinates):
    d, vectors = case
    assume(geo.blade_norm(vectors) != 0)
    a = coordinates[:d]
    g = geo.generalized_cross(vectors)
    det = sp.Matrix([a, *vectors]).det(method="laplace")
    assert geo.rejection(a, vectors) == det * g / geo.blade_norm(vectors) ** 2


# --- reflections ------------------------------------------------------------------------------


reflection_inputs = st.integers(2, 4).flatmap(
    lambda d: st.tuples(
        *(st.lists(small_rationals, min_size=d, max_size=d) for _ in range(3)), small_rationals
    )
)


@SYMBOLIC
@given(reflection_inputs)
def test_reflection_is_an_isometric_involution(case):
    x, y, w, b = case
    assume(any(w))
    rx, ry = geo.reflect_point(x, w, b), geo.reflect_point(y, w, b)
    assert geo.reflect_point(rx, w, b) == sp.Matrix(x)
    assert (rx - ry).dot(rx - ry) == (sp.Matrix(x) - sp.Matrix(y)).dot(sp.Matrix(x) - sp.Matrix(y))
    assert sp.Matrix(w).dot(rx) + b == -(sp.Matrix(w).dot(sp.Matrix(x)) + b)
    assert geo.reflect_point(x, w, b, method="versor") == rx
    np.testing.assert_allclose(
        num.reflect_points(np.array(x, float), np.array(w, float), float(b)), exact(rx)
    )


def test_versor_form_is_minus_n_x_n_for_a_unit_normal():
    algebra = geo.euclidean_algebra(3)
    n = algebra.vector([Fraction(3, 5), 0, Fraction(4, 5)])
    x = [1, -2, 5]
    sandwich = algebra.coordinates(-n * algebra.vector(x) * n)
    assert sandwich == geo.reflect_point(x, [Fraction(3, 5), 0, Fraction(4, 5)])


def test_symbolic_reflection_routes_agree():
    x, w = sp.symbols("x1:3"), sp.symbols("w1:3")
    b = sp.Symbol("b")
    assert is_zero(geo.reflect_point(x, w, b) - geo.reflect_point(x, w, b, method="versor"))


@SYMBOLIC
@given(reflection_inputs)
def test_reflected_hyperplane_contains_the_reflected_points(case):
    v, p, w, b = case
    assume(any(w) and any(v))
    c = -sp.Matrix(v).dot(sp.Matrix(p))  # the hyperplane {v . y + c = 0} passes through p
    image_normal, image_offset = geo.reflect_hyperplane(v, c, w, b)
    normal = sp.Matrix(v)
    # the points p + t u with u orthogonal to v span the hyperplane
    for point in [sp.Matrix(p), *(sp.Matrix(p) + u for u in normal.T.nullspace())]:
        assert normal.dot(point) + c == 0
        assert image_normal.dot(geo.reflect_point(point, w, b)) + image_offset == 0


def test_numeric_reflections_broadcast():
    rng = np.random.default_rng(0)
    X, W, B = rng.normal(size=(5, 1, 3)), rng.normal(size=(1, 4, 3)), rng.normal(size=4)
    batched = num.reflect_points(X, W, B)
    assert batched.shape == (5, 4, 3)
    np.testing.assert_allclose(num.reflect_points(batched, W, B), np.broadcast_to(X, (5, 4, 3)))
    np.testing.assert_allclose(batched[2, 3], num.reflect_points(X[2, 0], W[0, 3], B[3]))


# --- hyperplanes and signed distances -------------------------------------------------------


@SYMBOLIC
@given(vector_lists(2, 5, lambda d: d, small_rationals))
def test_hyperplane_through_contains_the_points(case):
    d, points = case
    w, b = geo.hyperplane_through(points)
    assert geo.hyperplane_through(points, method="galgebra") == (w, b)
    for p in points:
        assert w.dot(sp.Matrix(p)) + b == 0
    x = sp.Matrix(sp.symbols(f"x1:{d + 1}"))
    orientation = sp.Matrix([list(geo.homogeneous(x)), *map(list, map(geo.homogeneous, points))])
    assert sp.expand(w.dot(x) + b - orientation.det(method="laplace")) == 0
    normals, offsets = num.hyperplanes_through(as_float(points))
    np.testing.assert_allclose(normals, exact(w), atol=1e-9)
    np.testing.assert_allclose(offsets, float(b), atol=1e-9)


@pytest.mark.parametrize("d", [2, 3, 4, 5, 6, 7])
def test_numeric_kernels_are_batched(d):
    rng = np.random.default_rng(d)
    B = rng.normal(size=(4, 3, d - 1, d))
    g = num.generalized_cross(B)
    assert g.shape == (4, 3, d)
    x = rng.normal(size=(4, 3, d))
    np.testing.assert_allclose(
        (g * x).sum(-1), np.linalg.det(np.concatenate([x[..., None, :], B], axis=-2))
    )
    np.testing.assert_allclose(np.einsum("...kd,...d->...k", B, g), 0, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(g, axis=-1), num.blade_norm(B))
    gram = np.sqrt(np.linalg.det(B @ np.swapaxes(B, -1, -2)))
    np.testing.assert_allclose(num.blade_norm(B), gram)
    r = num.rejection(x, B)
    np.testing.assert_allclose(np.einsum("...kd,...d->...k", B, r), 0, atol=1e-10)
    np.testing.assert_allclose(r, np.sum(x * g, -1, keepdims=True) * g / (g * g).sum(-1)[..., None])
    P = rng.normal(size=(4, 3, d, d))
    w, b = num.hyperplanes_through(P)
    np.testing.assert_allclose(np.einsum("...pd,...d->...p", P, w) + b[..., None], 0, atol=1e-9)


def test_signed_distance_worked_example():
    assert geo.hyperplane_through([(0, 0), (2, 0)]) == (sp.Matrix([0, 2]), 0)
    assert geo.signed_distance((1, 3), [(0, 0), (2, 0)]) == 3


p1, p2, x_symbols = sp.symbols("a1:3"), sp.symbols("b1:3"), sp.symbols("x1:3")
SYMBOLIC_DISTANCE = geo.signed_distance(x_symbols, [p1, p2])


@SYMBOLIC
@given(st.lists(small_rationals, min_size=6, max_size=6))
def test_symbolic_signed_distance_matches_numeric(values):
    a, b, x = values[0:2], values[2:4], values[4:6]
    assume(a != b)
    values_by_symbol = dict(zip((*p1, *p2, *x_symbols), map(sp.Rational, values)))
    symbolic = SYMBOLIC_DISTANCE.subs(values_by_symbol)
    assert sp.simplify(symbolic - geo.signed_distance(x, [a, b])) == 0
    w, offset = num.hyperplanes_through(np.array([a, b], dtype=float))
    numeric = (w @ np.array(x, float) + offset) / np.linalg.norm(w)
    np.testing.assert_allclose(float(symbolic), numeric, atol=1e-12)
    twice_area = sp.Matrix([[*x, 1], [*a, 1], [*b, 1]]).det()  # counter-clockwise positive
    assert sp.simplify(symbolic - twice_area / (sp.Matrix(a) - sp.Matrix(b)).norm()) == 0


def test_symbolic_signed_distance_latex():
    expected = (
        (p1[1] - p2[1]) * x_symbols[0]
        + (p2[0] - p1[0]) * x_symbols[1]
        + p1[0] * p2[1]
        - p1[1] * p2[0]
    ) / sp.sqrt((p1[0] - p2[0]) ** 2 + (p1[1] - p2[1]) ** 2)
    assert sp.simplify(SYMBOLIC_DISTANCE - expected) == 0
    latex = sp.latex(SYMBOLIC_DISTANCE)
    assert latex.startswith(r"\frac{") and r"\sqrt{" in latex and "x_{1}" in latex
