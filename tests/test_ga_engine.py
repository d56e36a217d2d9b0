"""Geometric algebra drives the engine: every family's columns, re-derived through galgebra
(blades and duals, versor reflections) in exact arithmetic, equal what the generated kernel
computes; the lowered normals agree with ``clifford``; every family has inspectable generated
code and registers itself."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from conftest import FAMILIES, architecture
from hypothesis import given, settings
from hypothesis import strategies as st
from test_geometric_algebra import clifford_cross

import clifflasso as cl
import clifflasso.families
from clifflasso._data import as_data
from clifflasso.dictionary import family_for
from clifflasso.families.base import ChainFamily, FeatureFamily
from clifflasso.families.registry import REGISTRY
from clifflasso.symbolic import geometric as ga
from clifflasso.symbolic.activations import activation
from clifflasso.symbolic.lowering import cross_product
from clifflasso.symbolic.ops import EXACT

D_FAMILIES = [
    (
        f"{a}-{L}-p{p}-d{d}{'' if bias else '-nobias'}",
        dict(activation=a, depth=L, norm=p, bias=bias),
        d,
    )
    for a, L in (("relu", 2), ("abs", 2), ("abs", 3))
    for p in (1, 2)
    for d in (2, 3)
    for bias in (True, False)
    if not (L == 3 and d == 3)  # sizes
]


def _ga_feature(family: ChainFamily, table, column: int, point) -> sp.Expr:
    """The column's feature at ``point`` derived independently of the lowered code: the normal
    as galgebra's dual of the blade of the generators, the reflection as a versor (d >= 2),
    the later layers levelled through the references, all in exact sympy arithmetic."""
    generators = family.exact_generators(table, column)
    d, bias = family.data.dim, family.arch.bias
    vectors = [[sp.Rational(Fraction(v)) for v in row] for row in generators.vectors]
    # the dual of the blade of the generators (in one dimension without a bias: of 1)
    normal = list(ga.generalized_cross(vectors, method="galgebra")) if vectors else [1]
    raw_w = normal[:d]
    raw_b = normal[d] if bias else sp.Integer(0)
    if d == 1 or family.arch.norm == 1:
        size = sum((abs(v) for v in raw_w), sp.Integer(0))
    else:
        size = sp.sqrt(sum((v * v for v in raw_w), sp.Integer(0)))
    w = [generators.sign * v / size for v in raw_w]
    b = generators.sign * raw_b / size
    if generators.reflection is not None:
        q = [sp.Rational(Fraction(v)) for v in generators.reflection]
        foot = [-b * v / sum((u * u for u in w), sp.Integer(0)) for v in w]
        method = "versor" if d > 1 else "formula"
        image = ga.reflect_point(foot, w, -sum((a * c for a, c in zip(w, q)), 0), method=method)
        b = -sum((a * c for a, c in zip(w, image)), sp.Integer(0))
    sigma = activation(family.arch.activation, family.arch.slope).symbolic

    def level(x, count):
        value = sigma(sum((a * c for a, c in zip(w, x)), sp.Integer(0)) + b)
        for s, c in zip(generators.signs[:count], biases[:count]):
            value = sigma(s * value + c)
        return value

    biases = []
    for count, reference in enumerate(generators.references):
        r = [sp.Rational(Fraction(v)) for v in reference]
        biases.append(-generators.signs[count] * level(r, count))
    x = [sp.Rational(Fraction(v)) for v in point]
    return level(x, len(biases))


def _check_columns(D: cl.Dictionary, columns) -> None:
    family = D.family
    for j in columns:
        for n, point in enumerate(D.data.exact):
            reference = sp.simplify(_ga_feature(family, D.table, int(j), point))
            assert float(reference) == pytest.approx(D.matrix[n, j], rel=1e-12, abs=1e-12), (j, n)
            if family.exact_values_available:
                x = point if family.vector_input else point[0]
                value = family.closed_form(D.table, int(j), x, EXACT)
                assert sp.Rational(Fraction(value)) == reference


rational_points = st.lists(
    st.builds(Fraction, st.integers(-20, 20), st.integers(1, 4)),
    min_size=2,
    max_size=5,
    unique=True,
)


GENERATED_1D = [
    family
    for family in FAMILIES
    if family[1]["activation"] not in ("sign", "threshold")
    and not (family[1]["activation"] == "abs" and family[1]["depth"] >= 4)
    and not (family[1]["activation"] == "abs" and not family[1].get("bias", True))
]


@pytest.mark.parametrize("name, kwargs, max_n", GENERATED_1D, ids=[f[0] for f in GENERATED_1D])
@settings(deadline=None, max_examples=5)
@given(x=rational_points)
def test_1d_chain_columns_equal_their_ga_derivation(name, kwargs, max_n, x):
    D = cl.dictionary(x, architecture(kwargs), dedupe=False)
    columns = np.random.default_rng(0).choice(len(D), size=min(12, len(D)), replace=False)
    _check_columns(D, columns)


@pytest.mark.parametrize("name, kwargs, d", D_FAMILIES, ids=[f[0] for f in D_FAMILIES])
def test_d_dimensional_columns_equal_their_ga_derivation(name, kwargs, d):
    rng = np.random.default_rng(len(name))
    X = [[Fraction(int(v), 2) for v in row] for row in rng.integers(-6, 7, size=(4, d))]
    D = cl.dictionary(X, cl.Architecture(**kwargs), dedupe=False)
    columns = rng.choice(len(D), size=min(8, len(D)), replace=False)
    _check_columns(D, columns)


@pytest.mark.parametrize(
    "kwargs", [dict(activation="abs", depth=4), dict(activation="abs", depth=3, bias=False)]
)
def test_vertex_columns_equal_the_exact_chain(kwargs):
    """Deep abs vertices: parameters from the exact vertex solve, the feature from the lowered
    chain formula; equal to the float kernel and to direct exact evaluation of the chain."""
    x = [Fraction(v) for v in (0, 1, 3, 4)]
    D = cl.dictionary(x, cl.Architecture(**kwargs), dedupe=False)
    sigma = activation("abs").exact
    for j in range(0, len(D), max(1, len(D) // 25)):
        w, b1, signs, biases = D.family.exact_parameters(D.table, j)
        for n, point in enumerate(x):
            value = sigma(w[0] * point + b1)
            for s, c in zip(signs, biases):
                value = sigma(s * value + c)
            assert D.family.closed_form(D.table, j, point, EXACT) == value
            assert float(value) == pytest.approx(D.matrix[n, j], abs=1e-12)


def test_switching_kernel_equals_the_staircase():
    x = [Fraction(v) for v in (0, 1, 2, 5, 7)]
    for arch in (
        cl.Architecture("sign", 2),
        cl.Architecture("threshold", 3, kind="tree", widths=(2,)),
    ):
        D = cl.dictionary(x, arch, dedupe=False)
        exact = np.array(D.symbolic().tolist(), dtype=float)
        np.testing.assert_array_equal(exact, D.matrix)


@settings(deadline=None, max_examples=20)
@given(
    st.integers(2, 5).flatmap(
        lambda D: st.lists(
            st.lists(st.integers(-5, 5), min_size=D, max_size=D), min_size=D - 1, max_size=D - 1
        )
    )
)
def test_lowered_normals_agree_with_clifford(vectors):
    D = len(vectors[0])
    lowered = np.array(cross_product(D, "numpy")(*(float(v) for row in vectors for v in row)))
    np.testing.assert_allclose(lowered, clifford_cross(vectors), atol=1e-9)
    exact = cross_product(D, "exact")(*(v for row in vectors for v in row))
    np.testing.assert_allclose(np.array([float(v) for v in exact]), lowered, atol=1e-12)


def _every_family_architecture():
    yield [0, 1, 2, 4], cl.Architecture("relu", 2)
    yield [0, 1, 2, 4], cl.Architecture("relu", 3)
    yield [0, 1, 2, 4], cl.Architecture("abs", 3)
    yield [0, 1, 2, 4], cl.Architecture("abs", 4)
    yield [0, 1, 2, 4], cl.Architecture("sign", 2)
    X = np.array([[0, 0], [1, 0], [0, 1], [1, 2]])
    yield X, cl.Architecture("relu", 2)
    yield X, cl.Architecture("abs", 2, norm=1)
    yield X, cl.Architecture("abs", 3, norm=1)
    yield X, cl.Architecture("abs", 4, norm=1)
    yield X, cl.Architecture("relu", 3, norm=1)


def test_every_family_shows_its_generated_code():
    seen = set()
    for X, arch in _every_family_architecture():
        D = cl.dictionary(X, arch)
        source = D.kernel_source()
        assert "def kernel(" in source and "@njit" in source
        if isinstance(D.family, ChainFamily):
            assert "def feature(" in source and "def parameters(" in source
        seen.add(type(D.family))
    assert seen == {r.family for r in REGISTRY}


def test_every_family_module_registers_its_families():
    """Adding a family is adding one module that registers itself: every concrete family class
    defined in clifflasso.families is in the registry, or is the streamed form of a registered
    one (a subclass that its ``complete_family`` returns, like the indexed abs depth-4 vertices)."""
    classes = set()
    for module in pkgutil.iter_modules(clifflasso.families.__path__):
        imported = importlib.import_module(f"clifflasso.families.{module.name}")
        for _, value in inspect.getmembers(imported, inspect.isclass):
            if (
                issubclass(value, FeatureFamily)
                and value.__module__ == imported.__name__
                and not inspect.isabstract(value)
            ):
                classes.add(value)
    registered = {r.family for r in REGISTRY}
    variants = classes - registered
    assert registered <= classes
    assert all(any(issubclass(v, family) for family in registered) for v in variants), variants
    streamed = {
        type(family_for(cl.Architecture("abs", 4), as_data(np.linspace(0, 1, 5))).complete_family())
    }
    assert variants == streamed


def test_families_claim_disjoint_architectures():
    """At most one registered family serves any architecture on any dimension."""
    from clifflasso._data import as_data
    from clifflasso.families.registry import _load

    _load()
    claimed = 0
    for dim in (1, 2, 3):
        data = as_data(np.zeros((3, dim)))
        for name in ("relu", "leaky_relu", "abs", "threshold", "sign"):
            for depth in (2, 3, 4, 5):
                for bias in (True, False):
                    for norm in (1, 2):
                        arch = cl.Architecture(name, depth, bias=bias, norm=norm)
                        matches = [r for r in REGISTRY if r.applies(arch, data)]
                        assert len(matches) <= 1, (arch, dim, matches)
                        claimed += len(matches)
    assert claimed > 0
