"""Property tests of the proofs, over every family: float = exact, certificate = truth, no unit
beats a certified optimum, scale invariance and dedupe invariance.

Families: the 1-D ``FAMILIES`` of conftest and the d-dimensional ones (relu depth 2, abs depth
2 and 3; norm 1 and 2; with and without first-layer and output bias; d = 2, and a few d = 3).

The references are independent of the float code path wherever possible: the exact rational
homotopy (``exact=True``), the Pilanci-Ergen arrangement program, normalised units evaluated
here in numpy, and a cvxpy/Clarabel re-solve whose objective is evaluated here.

By default each property runs one generated example per family (two for the arrangement
program) plus the explicit reproducers, so that ``make test`` stays short; ``pytest -m slow
tests/test_proof_properties.py`` runs the same properties with ``CLIFFLASSO_SLOW_FACTOR``
(default 5) times as many generated examples and every explicit example (the slow variants
skip unless ``-m`` selects ``slow``). ``--hypothesis-show-statistics`` prints the verdicts
recorded with ``event``.

Cases that fail because of a library bug are strict xfails (``XFAIL``), each with its
reproducer as an explicit example, so it fails on every run.
"""

from __future__ import annotations

import os
from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest
from conftest import FAMILIES
from hypothesis import HealthCheck, assume, event, example, given, reject, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import clifflasso as cl
from clifflasso.proofs import arrangement_optimum

SLOW_FACTOR = int(os.environ.get("CLIFFLASSO_SLOW_FACTOR", "5"))
REL = 1e-9

# ------------------------------------------------------------------------------- families
#: (id, Architecture kwargs, dimension, smallest N, largest N)
ONE_D = [(name, kwargs, 1, 2, max_n) for name, kwargs, max_n in FAMILIES]


def _d_families() -> list[tuple[str, dict, int, int, int]]:
    families = []
    for activation, depth in (("relu", 2), ("abs", 2), ("abs", 3)):
        for norm in (1, 2):
            for bias in (True, False):
                for output_bias in (True, False):
                    name = f"d2-{activation}-{depth}-p{norm}"
                    name += "" if bias else "-nobias"
                    name += "" if output_bias else "-nooutbias"
                    kwargs = dict(
                        activation=activation,
                        depth=depth,
                        norm=norm,
                        bias=bias,
                        output_bias=output_bias,
                    )
                    largest = 4 if depth == 3 and bias else 5 if depth == 3 else 6
                    families.append((name, kwargs, 2, 3, largest))
    for activation, depth, norm, bias in (
        ("relu", 2, 1, True),
        ("relu", 2, 2, True),
        ("abs", 2, 1, False),
        ("abs", 2, 2, True),
        ("abs", 3, 1, False),
        ("abs", 3, 2, True),
    ):
        name = f"d3-{activation}-{depth}-p{norm}" + ("" if bias else "-nobias")
        kwargs = dict(activation=activation, depth=depth, norm=norm, bias=bias)
        families.append((name, kwargs, 3, 4, 4 if depth == 3 else 5))
    return families


D_FAMILIES = _d_families()
ALL = ONE_D + D_FAMILIES


def _rational(family) -> bool:
    """Values rational on rational data, and the dictionary complete (up to the far-away units
    of a missing output bias): every 1-D family, the l1 norm in d-D."""
    _, kwargs, dim, _, _ = family
    return dim == 1 or kwargs.get("norm", 2) == 1


def _sampled(family) -> bool:
    """Certified by sampling only (no proof method): abs depth 3 with the Euclidean norm."""
    _, kwargs, dim, _, _ = family
    return dim > 1 and kwargs.get("norm", 2) == 2 and kwargs["depth"] == 3


RATIONAL = [f for f in ALL if _rational(f)]
CERTIFIABLE = [f for f in ALL if not _sampled(f)]
EUCLIDEAN_RELU = [
    f for f in D_FAMILIES if f[2] == 2 and f[1]["activation"] == "relu" and f[1]["norm"] == 2
]

# ------------------------------------------------------------------------------- known bugs
DEDUPE_CONSTANT = (
    "dedupe drops non-constant columns (variation <= 64 eps * magnitude counts as constant): "
    "x_+ on 1e8 + (0, 1e-7, 2e-7) is removed and the exact optimum changes by 1e-3"
)

#: (test, family id) -> reason: strict xfails, each reproduced by an explicit example (1-D abs
#: depth 3 without bias keeps its optimum on that example since its vertices are enumerated by
#: structure: the family itself had merged vertices 1e-7 apart, rounded on the scale
#: max|x| = 1e8, 14 raw columns to 3)
XFAIL = {
    ("dedupe", "relu-2-nobias"): DEDUPE_CONSTANT,
}


#: (test, family id) whose bug is fixed: their reproducers run as regression tests. The free
#: constant of a far unit (no output bias; a first-layer bias, or a hidden bias at depth >= 3)
#: refuted optimality on rounding noise, and was missed at depth 3 without a first-layer bias
FIXED = {
    (test, family)
    for test in ("complete", "partial")
    for family in ("d2-relu-2-p1-nooutbias", "d2-abs-2-p1-nooutbias", "d2-abs-3-p1-nooutbias")
} | {(test, "d2-abs-3-p1-nobias-nooutbias") for test in ("complete", "partial", "units")}


def reproducers(test: str, family, examples) -> list:
    """The explicit examples that reproduce the strict xfail of ``(test, family)`` or the fixed
    bug of :data:`FIXED`, if any."""
    return list(examples) if (test, family[0]) in XFAIL or (test, family[0]) in FIXED else []


def cases(test: str, families):
    params = []
    for family in families:
        reason = XFAIL.get((test, family[0]))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(family, id=family[0], marks=marks))
    return params


@pytest.fixture(
    params=[
        pytest.param(1, id="default"),
        pytest.param(SLOW_FACTOR, id="slow", marks=pytest.mark.slow),
    ]
)
def factor(request):
    """Multiplier of the example counts: 1, or SLOW_FACTOR for the ``slow`` variant (run only
    when ``-m`` selects ``slow``, so ``make test`` keeps the short runs)."""
    if request.param != 1 and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("slow variant: select it with -m slow")
    return request.param


def run(base: int, factor: int, strategies: dict, body, examples=(), always=()) -> None:
    """Run ``body`` as a hypothesis test with ``base * factor`` generated examples after the
    explicit ones: ``always`` on every run (reproducers of the strict xfails and of fixed bugs),
    ``examples`` in the slow variant only."""
    test = given(**strategies)(body)
    for values in list(always) + (list(examples) if factor > 1 else []):
        test = example(**values)(test)
    settings(
        deadline=None,
        max_examples=base * factor,
        suppress_health_check=list(HealthCheck),
        # the default run is short and deterministic (stable run time in ``make test``)
        derandomize=factor == 1,
    )(test)()


# ------------------------------------------------------------------------------- data
MAX_N = 7


def small_rationals(bound: int = 12, denominator: int = 4):
    return st.builds(Fraction, st.integers(-bound, bound), st.integers(1, denominator))


POINTS = st.lists(
    st.tuples(small_rationals(), small_rationals(), small_rationals()),
    min_size=MAX_N,
    max_size=MAX_N,
)
LABELS = st.lists(small_rationals(), min_size=MAX_N, max_size=MAX_N)
SIZES = st.integers(2, MAX_N)
#: beta / beta_max in (0.01, 0.9), small denominators
FRACTIONS = st.one_of(
    st.fractions(Fraction(1, 30), Fraction(8, 9), max_denominator=30),
    st.sampled_from([Fraction(1, 99), Fraction(1, 64), Fraction(1, 50)]),
)


def rows(*values) -> list[tuple[Fraction, Fraction, Fraction]]:
    """Seven data rows for an explicit example (missing rows and coordinates are 0)."""
    padded = [tuple(Fraction(v) for v in row) + (Fraction(0),) * (3 - len(row)) for row in values]
    return padded + [(Fraction(0),) * 3] * (MAX_N - len(padded))


def labels_of(*values) -> list[Fraction]:
    return [Fraction(v) for v in values] + [Fraction(0)] * (MAX_N - len(values))


def instance(family, points, labels, size):
    """``(arch, X, y)``: the first N points in the family's dimension, rational labels."""
    _, kwargs, dim, smallest, largest = family
    n = min(max(size, smallest), largest)
    if dim == 1:
        X = [row[0] for row in points[:n]]
    else:
        X = [tuple(row[:dim]) for row in points[:n]]
    return cl.Architecture(**kwargs), X, list(labels[:n])


def affine_rank(X) -> int:
    A = np.array([[float(v) for v in np.atleast_1d(row)] for row in X])
    return int(np.linalg.matrix_rank(A[1:] - A[0])) if len(A) > 1 else 0


def build(X, arch, **options):
    """The dictionary; d-D data in degenerate position (affinely dependent) on which building
    fails is rejected and recorded as an event (an empty hyperplane family used to crash; now
    ``test_degenerate_data_gives_a_dictionary`` checks that it does not)."""
    try:
        return cl.dictionary(X, arch, **options)
    except ValueError:
        dim = len(np.atleast_1d(X[0]))
        if dim > 1 and affine_rank(X) < dim:
            event("rejected: degenerate d-D data, building the dictionary fails")
            reject()
        raise


def floats(values) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def strength(D, y: np.ndarray, fraction: Fraction) -> float:
    """``fraction * beta_max`` as a float (the exact solves take its exact binary value)."""
    top = cl.beta_max(D.matrix, y, intercept=D.arch.output_bias)
    assume(top > 0)
    return float(fraction * Fraction(top))


def free_constant(arch) -> bool:
    r"""Whether a unit can act as a free constant when there is no output bias: a first-layer
    or hidden bias far outside the data makes a chain :math:`b + g(x)` on the data, and
    :math:`z = c/b` adds the constant :math:`c` at cost :math:`\beta c/b \to 0` (sign and
    threshold units are bounded: no free constant)."""
    return not arch.output_bias and not arch.is_switching and (arch.bias or arch.depth >= 3)


def truth_dictionary(X, arch):
    """The dictionary whose exact Lasso optimum is the training optimum of a complete family:
    the family itself, with a free intercept where a far unit provides one."""
    if free_constant(arch):
        arch = cl.Architecture(
            arch.activation,
            arch.depth,
            bias=arch.bias,
            output_bias=True,
            norm=arch.norm,
            slope=arch.slope,
            kind=arch.kind,
            widths=arch.widths,
        )
    return build(X, arch)


def relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


#: bias, no output bias: the residual of an optimal float solution sums to rounding noise
NOISE_EXAMPLE = dict(
    points=rows((0, 0), (0, 1), (0, Fraction(1, 2))),
    labels=labels_of(0, 1, 0),
    size=3,
    fraction=Fraction(1, 99),
)
#: no bias, no output bias, depth 3: the residual does not sum to zero, a far hidden bias helps
HIDDEN_BIAS_EXAMPLE = dict(
    points=rows((0, 0), (0, 0), (0, 1)),
    labels=labels_of(0, 0, 1),
    size=3,
    fraction=Fraction(1, 99),
)


# ------------------------------------------------------------------------------- 1
@pytest.mark.parametrize("family", cases("float=exact", RATIONAL))
def test_float_solve_equals_exact_solve_on_rational_data(family, factor):
    def body(points, labels, size, fraction):
        arch, X, y = instance(family, points, labels, size)
        D = build(X, arch)
        beta = strength(D, floats(y), fraction)
        numeric = cl.solve(D, floats(y), beta)
        exact = cl.solve(D, y, Fraction(beta), exact=True)
        assert relative(numeric.objective, float(exact.objective)) <= REL, (
            numeric.objective,
            float(exact.objective),
        )

    run(1, factor, dict(points=POINTS, labels=LABELS, size=SIZES, fraction=FRACTIONS), body)


# ------------------------------------------------------------------------------- 2(a)
@pytest.mark.parametrize("family", cases("complete", RATIONAL))
def test_certificate_of_a_complete_family_is_the_exact_optimum(family, factor):
    def body(points, labels, size, fraction):
        arch, X, y = instance(family, points, labels, size)
        labels_ = floats(y)  # the certificate takes these floats exactly: the same problem
        D = build(X, arch)
        beta = strength(D, labels_, fraction)
        solution = cl.solve(D, labels_, beta)
        certificate = cl.certify(solution)
        reference = truth_dictionary(X, arch)
        truth = float(cl.solve(reference, labels_, Fraction(beta), exact=True).objective)
        event(f"verdict: {certificate.verdict} ({certificate.kind})")
        assert certificate.lower_bound <= truth * (1 + 1e-12), (certificate, truth)
        if solution.objective <= truth * (1 + REL):
            assert certificate.verdict == "optimal", (certificate, truth)
            assert certificate.kind == "exact", certificate
            assert certificate.optimum is not None, certificate
            assert relative(float(certificate.optimum), truth) <= 1e-12, (
                float(certificate.optimum),
                truth,
            )
        else:  # the free constant of a far unit (no output bias) does better
            assert free_constant(arch), (solution.objective, truth)
            assert certificate.verdict == "not optimal", (certificate, truth)
            improved = certificate.improved_objective
            assert truth * (1 - REL) <= improved < solution.objective, (improved, truth)

    examples = [NOISE_EXAMPLE, HIDDEN_BIAS_EXAMPLE]
    run(
        1,
        factor,
        dict(points=POINTS, labels=LABELS, size=SIZES, fraction=FRACTIONS),
        body,
        examples,
        reproducers("complete", family, examples),
    )


# ------------------------------------------------------------------------------- 2(b)
@pytest.mark.parametrize("family", cases("partial", RATIONAL))
def test_refutations_of_partial_dictionaries_are_true(family, factor):
    def body(points, labels, size, fraction, seed, hit_support):
        arch, X, y = instance(family, points, labels, size)
        labels_ = floats(y)
        D = build(X, arch)
        assume(len(D) >= 2)
        beta = strength(D, labels_, fraction)
        reference = truth_dictionary(X, arch)
        truth = float(cl.solve(reference, labels_, Fraction(beta), exact=True).objective)
        rng = np.random.default_rng(seed)
        drop = np.zeros(len(D), dtype=bool)
        drop[rng.choice(len(D), size=int(rng.integers(1, len(D))), replace=False)] = True
        if hit_support:  # also drop a column that the dictionary's own optimum uses
            support = cl.solve(D, labels_, Fraction(beta), exact=True).support
            if support.size:
                drop[rng.choice(support)] = True
        if drop.all():
            drop[rng.integers(len(D))] = False
        partial = D.subset(~drop)
        solution = cl.solve(partial, labels_, beta)
        certificate = cl.certify(solution)
        optimum = float(cl.solve(partial, labels_, Fraction(beta), exact=True).objective)
        gap = (optimum - truth) / truth
        event(f"verdict: {certificate.verdict} (partial optimum {'=' if gap <= REL else '>'})")
        assert gap >= -1e-12, (optimum, truth)
        if gap <= REL / 2:
            assert certificate.verdict == "optimal", (certificate, optimum, truth)
        elif gap > 2 * REL:
            assert certificate.verdict == "not optimal", (certificate, optimum, truth)
        else:  # within a factor 2 of the tolerance either verdict is right
            assert certificate.verdict in ("optimal", "not optimal"), certificate
        if certificate.verdict == "not optimal":
            improved = certificate.improved_objective
            assert improved is not None, certificate
            assert improved < solution.objective, (improved, solution.objective)
            assert improved >= truth * (1 - REL), (improved, truth)
        if certificate.optimum is not None:
            assert relative(float(certificate.optimum), truth) <= 1e-12, (certificate, truth)

    examples = [
        dict(NOISE_EXAMPLE, seed=1, hit_support=False),
        dict(NOISE_EXAMPLE, seed=9, hit_support=False),
        dict(HIDDEN_BIAS_EXAMPLE, seed=0, hit_support=False),
    ]
    run(
        1,
        factor,
        dict(
            points=POINTS,
            labels=LABELS,
            size=SIZES,
            fraction=FRACTIONS,
            seed=st.integers(0, 2**32 - 1),
            hit_support=st.booleans(),
        ),
        body,
        examples,
        reproducers("partial", family, examples),
    )


# ------------------------------------------------------------------------------- 2(c)
SMALL_LABELS = st.lists(small_rationals(bound=6, denominator=2), min_size=MAX_N, max_size=MAX_N)


@pytest.mark.parametrize("family", cases("arrangement", EUCLIDEAN_RELU))
def test_euclidean_relu_certificate_agrees_with_the_arrangement_program(family, factor):
    """Verdict = truth, the truth being the Pilanci-Ergen program (N <= 6).

    ``undecided`` is accepted in two cases only, both consistent with the truth and recorded:
    the Lasso is optimal and the certificate proves it to within 1e-7 (the chamber bounds come
    from SOCP duals, accurate to about 1e-8, so the default tolerance 1e-9 is not always
    reached); or the Lasso is above the optimum, a violating unit is proven, and the one
    line-search step the certificate takes along it (decrease (|c| - beta)^2 / (2 ||F||^2),
    second order in the violation) gains less than the tolerance."""

    def body(points, labels, size, fraction):
        arch, X, y = instance(family, points, labels, size)
        labels_ = floats(y)
        D = build(X, arch)
        beta = strength(D, labels_, fraction)
        solution = cl.solve(D, labels_, beta)
        certificate = cl.certify(solution)
        Xf = np.array([[float(v) for v in row] for row in X])
        truth = arrangement_optimum(
            Xf, labels_, beta, bias=arch.bias, output_bias=arch.output_bias
        ).value
        scale = max(1.0, abs(truth))
        gap = solution.objective - truth
        optimal = gap <= 1e-7 * scale
        event(f"verdict: {certificate.verdict} (Lasso {'optimal' if optimal else 'above'})")
        # the wedge Lasso is an upper bound and the proven lower bound a lower one (up to the
        # program's own accuracy)
        assert gap >= -1e-7 * scale, (solution.objective, truth)
        assert certificate.lower_bound <= truth + 1e-8 * scale, (certificate, truth)
        if certificate.improved_objective is not None:
            assert certificate.improved_objective >= truth - 1e-8 * scale, (certificate, truth)
        if certificate.verdict == "undecided":
            if optimal:
                assert certificate.epsilon <= 1e-7 * scale, (certificate, truth)
            else:
                assert certificate.violator is not None, (certificate, truth)
                step = solution.objective - (certificate.improved_objective or solution.objective)
                assert step <= certificate.tolerance * solution.objective, (certificate, truth)
        else:
            assert certificate.optimal == optimal, (certificate, truth)

    run(
        2,
        factor,
        dict(points=POINTS, labels=SMALL_LABELS, size=SIZES, fraction=FRACTIONS),
        body,
    )


# ------------------------------------------------------------------------------- 3
def _sigma(activation: str, slope, t: np.ndarray) -> np.ndarray:
    if activation == "relu":
        return np.maximum(t, 0.0)
    if activation == "leaky_relu":
        return np.maximum(t, slope * t)
    return np.abs(t)


def chain_units(arch, X: np.ndarray, weights, first_bias, signs, hidden_bias) -> np.ndarray:
    """Normalised chains at the data, evaluated here: shape (units, N).

    ``weights`` (S, d) are normalised here in the architecture's norm, later weights are the
    signs ``signs`` (S, L-2), biases are free (the first one 0 without a first-layer bias)."""
    w = weights / np.linalg.norm(weights, ord=arch.norm, axis=1, keepdims=True)
    b = first_bias if arch.bias else np.zeros_like(first_bias)
    h = _sigma(arch.activation, arch.slope, w @ X.T + b[:, None])
    for layer in range(arch.depth - 2):
        t = signs[:, layer : layer + 1] * h + hidden_bias[:, layer : layer + 1]
        h = _sigma(arch.activation, arch.slope, t)
    return h


def draw_chains(arch, X: np.ndarray, rng, count: int):
    """Random chain parameters: Gaussian weights (some coordinates zeroed, for the vertices of
    the l1 ball, and some normals of hyperplanes through d data points), first biases uniform
    over twice the data's range, at data points, midpoints, reflections and near data points,
    hidden biases likewise over the hidden values; returns them and the bias bounds."""
    n, d = X.shape
    weights = rng.normal(size=(count, d))
    if d > 1:
        weights[rng.random((count, d)) < 0.3] = 0.0
        for i in np.flatnonzero(rng.random(count) < 0.25):
            chosen = X[rng.choice(n, size=min(d, n), replace=False)]
            differences = chosen[1:] - chosen[0]
            if differences.shape[0] == d - 1:
                weights[i] = np.linalg.svd(differences)[2][-1]
    weights[~np.any(weights != 0, axis=1)] = 1.0
    w = weights / np.linalg.norm(weights, ord=arch.norm, axis=1, keepdims=True)
    projections = w @ X.T  # (S, N)
    span = float(np.max(np.abs(projections))) or 1.0
    units = np.arange(count)
    j, k = rng.integers(n, size=count), rng.integers(n, size=count)
    at_data = -projections[units, j]
    choices = np.stack(
        [
            rng.uniform(-2 * span, 2 * span, size=count),
            at_data,
            -(projections[units, j] + projections[units, k]) / 2,
            -(2 * projections[units, j] - projections[units, k]),
            at_data + rng.normal(scale=0.05 * span, size=count),
        ]
    )
    first_bias = choices[rng.integers(len(choices), size=count), units]
    hidden = arch.depth - 2
    signs = rng.choice([-1.0, 1.0], size=(count, hidden))
    hidden_bias = np.zeros((count, hidden))
    bounds = [3 * span]
    b = first_bias if arch.bias else np.zeros(count)
    h = _sigma(arch.activation, arch.slope, projections + b[:, None])
    for layer in range(hidden):
        values = signs[:, layer : layer + 1] * h
        top = 3 * span * 2 ** (layer + 1)  # bounds every hidden value (|b| <= 3 span before)
        j, k = rng.integers(n, size=count), rng.integers(n, size=count)
        options = np.stack(
            [
                rng.uniform(-top, top, size=count),
                -values[units, j],
                -(values[units, j] + values[units, k]) / 2,
                -values[units, j] + rng.normal(scale=0.05 * span, size=count),
            ]
        )
        hidden_bias[:, layer] = options[rng.integers(len(options), size=count), units]
        bounds.append(top)
        h = _sigma(arch.activation, arch.slope, values + hidden_bias[:, layer : layer + 1])
    first_bias = np.clip(first_bias, -bounds[0], bounds[0])
    return weights, first_bias, signs, np.clip(hidden_bias, -bounds[-1], bounds[-1]), bounds


def switching_units(arch, x: np.ndarray, thresholds: np.ndarray, high_end: np.ndarray):
    """Sign / threshold units at 1-D data: a pattern switching at each threshold (NaN = unused),
    high (+1 / 1) right of the last threshold when ``high_end``, low (-1 / 0) otherwise."""
    high, low = (1.0, -1.0) if arch.activation == "sign" else (1.0, 0.0)
    crossings = np.sum(x[None, :, None] < thresholds[:, None, :], axis=2)
    even = (crossings % 2 == 0) == high_end[:, None]
    return np.where(even, high, low)


def best_unit(arch, X: np.ndarray, mu: np.ndarray, rng, count: int):
    """``(sup found, column)``: the largest |mu^T F| over ``count`` random normalised units
    and, for chains, Nelder-Mead from the best three (biases kept within the drawn bounds)."""
    n, d = X.shape
    if arch.is_switching:
        x = X[:, 0]
        K = arch.max_switches
        lo, hi = float(np.min(x)), float(np.max(x))
        width = hi - lo or 1.0
        thresholds = np.full((count, K), np.nan)
        used = rng.integers(0, K + 1, size=count)
        for slot in range(K):
            values = rng.uniform(lo - 0.5 * width, hi + 0.5 * width, size=count)
            if not arch.bias:  # without a first-layer bias every unit switches at 0
                values = np.zeros(count)
            thresholds[:, slot] = np.where(slot < used, values, np.nan)
        units = switching_units(arch, x, thresholds, rng.random(count) < 0.5)
        scores = np.abs(units @ mu)
        best = int(np.argmax(scores))
        return float(scores[best]), units[best]
    weights, first_bias, signs, hidden_bias, bounds = draw_chains(arch, X, rng, count)
    units = chain_units(arch, X, weights, first_bias, signs, hidden_bias)
    scores = np.abs(units @ mu)
    best = int(np.argmax(scores))
    best_score, best_column = float(scores[best]), units[best]
    hidden = arch.depth - 2
    limits = np.array(bounds)

    def unit_of(theta, sign):
        if not np.any(theta[:d]):
            return np.zeros(n)
        biases = np.clip(theta[d:], -limits, limits)
        return chain_units(arch, X, theta[None, :d], biases[:1], sign, biases[None, 1:])[0]

    for start in np.argsort(scores)[-3:]:
        sign = signs[start : start + 1]
        theta0 = np.concatenate([weights[start], [first_bias[start]], hidden_bias[start]])
        result = minimize(
            lambda theta, sign=sign: -abs(unit_of(theta, sign) @ mu),
            theta0,
            method="Nelder-Mead",
            options={"maxiter": 150 * (d + 1 + hidden)},
        )
        if -result.fun > best_score:
            best_score, best_column = -float(result.fun), unit_of(result.x, sign)
    return best_score, best_column


def clarabel_objective(A: np.ndarray, y: np.ndarray, beta: float, intercept: bool) -> float:
    """The Lasso objective over ``A``, evaluated here in float64 at Clarabel's solution: the
    objective of a real network, so an upper bound on that Lasso's optimum."""
    z = cp.Variable(A.shape[1])
    xi = cp.Variable() if intercept else cp.Constant(0.0)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z + xi - y) + beta * cp.norm1(z)))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    zv = np.asarray(z.value, dtype=np.float64)
    residual = A @ zv + (float(xi.value) if intercept else 0.0) - y
    return float(0.5 * residual @ residual + beta * np.sum(np.abs(zv)))


#: random units per example (then Nelder-Mead from the best three)
UNITS = 10_000


@pytest.mark.parametrize("family", cases("units", CERTIFIABLE))
def test_no_unit_beats_a_certified_optimum(family, factor):
    def body(points, labels, size, fraction, seed):
        arch, X, y = instance(family, points, labels, size)
        labels_ = floats(y)
        D = build(X, arch)
        beta = strength(D, labels_, fraction)
        solution = cl.solve(D, labels_, beta)
        certificate = cl.certify(solution)
        event(f"verdict: {certificate.verdict}")
        if not certificate.optimal:
            return
        mu = labels_ - np.asarray(solution.fitted, dtype=np.float64)
        if arch.output_bias:
            mu = mu - mu.mean()
        found, column = best_unit(arch, D.X, mu, np.random.default_rng(seed), UNITS)
        assert found <= beta * (1 + REL), (found, beta, certificate)
        augmented = np.column_stack([D.matrix, column])
        value = clarabel_objective(augmented, labels_, beta, arch.output_bias)
        assert value >= solution.objective * (1 - REL), (value, solution.objective)

    examples = [dict(HIDDEN_BIAS_EXAMPLE, seed=0)]
    run(
        1,
        factor,
        dict(
            points=POINTS,
            labels=LABELS,
            size=SIZES,
            fraction=FRACTIONS,
            seed=st.integers(0, 2**32 - 1),
        ),
        body,
        examples,
        reproducers("units", family, examples),
    )


# ------------------------------------------------------------------------------- 4
FIXED_POINTS = rows(
    (-3, Fraction(1, 2), 2),
    (Fraction(-1, 3), Fraction(5, 2), -1),
    (1, -2, Fraction(1, 4)),
    (Fraction(7, 4), 0, 3),
    (4, Fraction(3, 2), Fraction(-5, 2)),
    (6, Fraction(-7, 2), 1),
    (9, 4, -3),
)
FIXED_LABELS = labels_of(1, -2, Fraction(1, 2), 3, 0, Fraction(-3, 2), 2)
EXTREMES = [
    dict(points=FIXED_POINTS, labels=FIXED_LABELS, size=MAX_N, fraction=Fraction(1, 3), k=k, m=m)
    for k in (-9, 9)
    for m in (-9, 9)
]


def _scale_example(points, labels, fraction, k, m):
    return dict(
        points=rows(*points),
        labels=labels_of(*labels),
        size=len(points),
        fraction=fraction,
        k=k,
        m=m,
    )


F = Fraction
#: cases of families the extremes above do not catch (found by random search; they failed
#: before the scale fixes, see the regression tests below)
_MIRROR = _scale_example(
    [(F(-7, 2), F(2, 3)), (0, -1), (F(-11, 4), -12), (F(7, 4), 1), (1, F(-1, 3))],
    [F(-11, 4), -2, F(5, 2), -5, 0],
    F(8, 9),
    9,
    2,
)
SCALE_EXAMPLES = {
    "d2-abs-3-p1-nobias": [_MIRROR],
    "d2-abs-3-p2-nobias": [_MIRROR],
    "d2-abs-3-p2": [
        _scale_example(
            [(F(-3, 4), F(-9, 4)), (4, F(-4, 3)), (0, 2)], [F(3, 4), 1, F(-1, 3)], F(2, 3), 9, 2
        )
    ],
    "d2-relu-2-p2-nobias": [
        _scale_example(
            [(F(7, 4), F(9, 4)), (-2, F(8, 3)), (F(-1, 2), F(-7, 3)), (5, 3), (2, F(-1, 2))],
            [2, -12, -2, F(5, 3), -4],
            F(4, 9),
            -9,
            -6,
        )
    ],
    "d2-relu-2-p2-nobias-nooutbias": [
        _scale_example(
            [(12, F(-8, 3)), (F(3, 4), -9), (F(1, 2), F(8, 3))],
            [F(9, 4), F(-5, 3), F(-7, 3)],
            F(5, 9),
            9,
            1,
        )
    ],
}


@pytest.mark.parametrize("family", cases("scale", ALL))
def test_scaling_data_and_labels_scales_the_solution(family, factor):
    """x -> 10^k x, y -> 10^m y: chains are positively homogeneous of degree 1 (biases scale
    with x), sign / threshold units of degree 0, so beta -> 10^(k+m) beta (10^m beta), the
    objective -> 10^(2m) objective and the fitted values -> 10^m fitted values."""

    def body(points, labels, size, fraction, k, m):
        arch, X, y = instance(family, points, labels, size)
        degree = 0 if arch.is_switching else 1
        scale_x, scale_y = Fraction(10) ** k, Fraction(10) ** m
        if family[2] == 1:
            Xs = [v * scale_x for v in X]
        else:
            Xs = [tuple(v * scale_x for v in row) for row in X]
        labels_, scaled_labels = floats(y), floats(v * scale_y for v in y)
        D = build(X, arch)
        beta = strength(D, labels_, fraction)
        Ds = build(Xs, arch)
        beta_s = float(Fraction(beta) * scale_x**degree * scale_y)
        solution, scaled = cl.solve(D, labels_, beta), cl.solve(Ds, scaled_labels, beta_s)
        expected = solution.objective * float(scale_y**2)
        assert relative(scaled.objective, expected) <= REL, (scaled.objective, expected)
        back = np.asarray(scaled.fitted) / float(scale_y)
        reach = float(np.max(np.abs(labels_)))
        difference = float(np.max(np.abs(back - np.asarray(solution.fitted))))
        assert difference <= REL * reach, (difference, reach)
        if _sampled(family):  # sampled certificates are never 'optimal'
            return
        certificate = cl.certify(solution)
        event(f"unscaled verdict: {certificate.verdict}")
        if certificate.optimal:
            again = cl.certify(scaled)
            if not again.optimal:
                # at the tolerance's edge (a wedge Lasso, an upper bound, within ~1e-9 of the
                # optimum) the verdict is decided by the 1e-12 noise of the float solutions,
                # as in the partial-dictionary test: within a factor 2 either verdict is right
                event("scaled verdict differs at the tolerance's edge")
                assert again.epsilon <= 2 * again.tolerance * abs(scaled.objective), again

    run(
        1,
        factor,
        dict(
            points=POINTS,
            labels=LABELS,
            size=SIZES,
            fraction=FRACTIONS,
            k=st.integers(-9, 9),
            m=st.integers(-9, 9),
        ),
        body,
        EXTREMES[1:-1],
        [EXTREMES[0], EXTREMES[-1]] + SCALE_EXAMPLES.get(family[0], []),
    )


# regressions of the scale bugs the property above found (each failed before its fix)
FIXED_2D = np.array([[float(v) for v in row[:2]] for row in FIXED_POINTS])


@pytest.mark.parametrize("activation", ["relu", "abs"])
def test_hyperplanes_far_from_the_origin_are_not_degenerate(activation):
    """With a first-layer bias the degeneracy test ||w|| > 1e-9 prod ||(x_k, 1)|| scaled as
    1 / |x|: at |x| ~ 1e9 nearly every hyperplane was dropped (46 -> 4 relu columns) and the
    smaller Lasso was certified 'optimal' (exact) 27% above the optimum. It is now decided on
    the data scaled by a power of two ~ 1 / max|x|."""
    arch = cl.Architecture(activation, 2, norm=1)
    sizes = {len(cl.dictionary(FIXED_2D * s, arch, dedupe=False)) for s in (1e-9, 1.0, 1e9)}
    assert len(sizes) == 1, sizes
    y = floats(FIXED_LABELS)
    D, Ds = cl.dictionary(FIXED_2D, arch), cl.dictionary(FIXED_2D * 1e9, arch)
    beta = float(cl.beta_max(D.matrix, y)) / 3
    assert relative(cl.solve(Ds, y, beta * 1e9).objective, cl.solve(D, y, beta).objective) < REL


@pytest.mark.parametrize("bias", [True, False])
def test_mirror_units_are_merged_relative_to_the_data_scale(bias):
    """The d-D abs depth-3 family merged units by np.round(params / max|params|, 9) over unit
    weights and data-scale biases together: at |x| ~ 1e9 the weights, at 1e-9 the biases were
    rounded away (101 -> 23 and 74 columns without bias) and the smaller Lasso certified."""
    arch = cl.Architecture("abs", 3, norm=1, bias=bias)
    X = FIXED_2D[:5]
    sizes = {len(cl.dictionary(X * s, arch, dedupe=False)) for s in (1e-9, 1.0, 1e9)}
    assert len(sizes) == 1, sizes


def test_abs_vertex_units_are_merged_relative_to_the_data_scale():
    """1-D abs depth >= 4 merged vertices by np.round(theta / max(1, max|x|), 9): at |x| ~ 1e-9
    distinct vertices were merged (7175 -> 2987 columns)."""
    arch = cl.Architecture("abs", 4)
    x = np.array([float(row[0]) for row in FIXED_POINTS])
    sizes = {len(cl.dictionary(x * s, arch, dedupe=False)) for s in (1e-9, 1.0, 1e9)}
    assert len(sizes) == 1, sizes


@pytest.mark.parametrize("k, m", [(-9, 9), (9, 9), (-9, -9)])
def test_chamber_certificate_is_scale_invariant(k, m):
    """The chamber SOCPs ran at the data's scale with Clarabel's absolute tolerances: optimal
    at unit scale, 'undecided' with epsilon 4%..100% of the objective at x * 10^k, y * 10^m
    (|k| = |m| = 9). They are now solved on normalised data and objective, with tighter gap
    tolerances, and the exact dual bound is computed from the multipliers mapped back."""
    arch = cl.Architecture("abs", 2, norm=2, bias=False)
    X, y = FIXED_2D[:6], floats(FIXED_LABELS[:6])
    D = cl.dictionary(X, arch)
    beta = float(cl.beta_max(D.matrix, y)) / 3
    assert cl.certify(cl.solve(D, y, beta)).optimal
    Ds = cl.dictionary(X * 10.0**k, arch)
    certificate = cl.certify(cl.solve(Ds, y * 10.0**m, beta * 10.0 ** (k + m)))
    assert certificate.optimal, certificate


# ------------------------------------------------------------------------------- 5
MULTISCALE_EXAMPLE = dict(
    values=[
        (0.0, 0.0, 0.0),
        (0.01, 1.0, 0.0),
        (0.02, 0.0, 1.0),
        (1e8, 2.0, 1.0),
        (0.01, -1.0, 3.0),
        (3.0, 1e-6, -2.0),
        (-2.0, 5.0, 1e8),
    ],
    labels=FIXED_LABELS,
    size=4,
    fraction=Fraction(1, 2),
)
#: x_+ on these points varies by 2e-15 of its size, yet is not constant
OFFSET_EXAMPLE = dict(
    values=[(1e8 + t, 0.0, 0.0) for t in (0.0, 1e-7, 2e-7)] + [(0.0, 0.0, 0.0)] * 4,
    labels=labels_of(0, 1, 0),
    size=3,
    fraction=Fraction(1, 2),
)
#: exact comparison only on data with denominators <= 2^24 (multi-scale floats make the exact
#: homotopy slow) and raw dictionaries at most this wide
EXACT_COLUMNS = 150


@st.composite
def spread_points(draw):
    """Rows with repeated values and very different scales: each coordinate a small rational
    times 10^e (e in -6..8), some rows copies of earlier ones, sometimes around an offset."""
    offset = draw(st.sampled_from([0.0, 0.0, 0.0, 1e4]))
    values = []
    for _ in range(MAX_N):
        if values and draw(st.integers(0, 3)) == 0:
            values.append(values[draw(st.integers(0, len(values) - 1))])
            continue
        values.append(
            tuple(
                offset + float(draw(small_rationals())) * 10.0 ** draw(st.integers(-6, 8))
                for _ in range(3)
            )
        )
    return values


@pytest.mark.parametrize("family", cases("dedupe", ALL))
def test_dedupe_keeps_the_optimum(family, factor):
    """Same optimum with and without dedupe: for the float solves (relative 1e-9) and, on
    rational families and data with small denominators, exactly (the exact homotopy)."""

    def body(values, labels, size, fraction):
        arch, X, y = instance(family, values, labels, size)
        labels_ = floats(y)
        kept = build(X, arch, dedupe=True)
        full = build(X, arch, dedupe=False)
        beta = strength(full, labels_, fraction)
        event(f"columns removed: {'some' if kept.n_removed else 'none'}")
        small = all(Fraction(float(v)).denominator <= 2**24 for v in np.ravel(full.X))
        if _rational(family) and small and len(full) <= EXACT_COLUMNS:
            a = cl.solve(kept, labels_, Fraction(beta), exact=True).objective
            b = cl.solve(full, labels_, Fraction(beta), exact=True).objective
            assert relative(float(a), float(b)) <= REL, (float(a), float(b), kept, full)
        a = cl.solve(kept, labels_, beta).objective
        b = cl.solve(full, labels_, beta).objective
        assert relative(a, b) <= REL, (a, b, kept, full)

    # the multi-scale example on every 1-D family; on d-D families only in the slow variant
    # (there the float solve of its 4 x 13 abs dictionaries takes ~20 s: the working set runs
    # its 200 passes)
    always = [MULTISCALE_EXAMPLE] if family[2] == 1 else []
    if XFAIL.get(("dedupe", family[0])) == DEDUPE_CONSTANT:
        always.append(OFFSET_EXAMPLE)
    run(
        1,
        factor,
        dict(values=spread_points(), labels=LABELS, size=SIZES, fraction=FRACTIONS),
        body,
        [] if family[2] == 1 else [MULTISCALE_EXAMPLE],
        always,
    )


# ------------------------------------------------------------------------------- robustness
@pytest.mark.parametrize("family", cases("empty", D_FAMILIES))
def test_degenerate_data_gives_a_dictionary(family):
    """All points at the origin: every unit is constant on the data, so the dictionary holds
    no varying column (the other tests reject degenerate data where building fails)."""
    _, kwargs, dim, smallest, _ = family
    arch = cl.Architecture(**kwargs)
    X = [(0,) * dim] * smallest
    D = cl.dictionary(X, arch)
    assert np.ptp(D.matrix, axis=0).max(initial=0.0) == 0.0
