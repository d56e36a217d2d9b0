r"""The theorems as an executable registry.

Each :class:`Theorem` carries a LaTeX statement, its hypotheses, its source (paper and section,
or *derived* where it was re-derived and checked here), its kind and a ``check(instance)`` that
returns :class:`Evidence`. Kinds:

* ``equality`` - the Lasso value *is* the training value (checked by an exact certificate);
* ``bound`` - only an inequality holds (reported as a bound, never as an equality);
* ``identity`` / ``structure`` - algebraic facts (closed forms, rebuild, kink counts);
* ``counterexample`` - the check must *find* a counterexample on some instance (e.g. reflection
  features alone are not enough at depth 3).

:func:`run` draws seeded random instances (or uses given data) and summarises each theorem.
"""

from __future__ import annotations

import dataclasses
import itertools
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from clifflasso.architecture import Architecture
from clifflasso.dictionary import dictionary
from clifflasso.lasso import beta_max
from clifflasso.numeric.chains import chain_kinks_1d
from clifflasso.numeric.geometry import rejection
from clifflasso.numeric.network import ChainNetwork
from clifflasso.proofs.certificates import certify
from clifflasso.solving import solve


@dataclass(frozen=True)
class Instance:
    """Data for one check; ``beta_fraction`` scales beta_max of the checked dictionary."""

    X: np.ndarray
    y: np.ndarray
    beta_fraction: float
    label: str


@dataclass(frozen=True)
class Evidence:
    """Outcome of one check: ``passed`` (the instance agrees with the theorem), ``gap`` (the
    measured discrepancy or margin), ``witness`` (a counterexample was found)."""

    passed: bool
    gap: float
    details: str = ""
    witness: bool = False


@dataclass(frozen=True)
class Theorem:
    name: str
    statement: str
    hypotheses: str
    source: str
    kind: str
    check: Callable[[Instance], Evidence]
    dim: int = 1
    sizes: tuple[int, int] = (5, 7)
    fixed: tuple[Instance, ...] = ()


@dataclass(frozen=True)
class TheoremReport:
    name: str
    kind: str
    instances: int
    passed: bool
    max_gap: float
    failures: tuple[str, ...]

    def line(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        return f"{status}  {self.name:<34} {self.kind:<15} instances={self.instances:<3} " + (
            f"max_gap={self.max_gap:.3g}"
        )


# ---------------------------------------------------------------------------------- helpers
def _solve(instance: Instance, arch: Architecture, dedupe: bool = True):
    D = dictionary(instance.X, arch, dedupe=dedupe)
    beta = instance.beta_fraction * beta_max(D.matrix, instance.y, arch.output_bias)
    return solve(D, instance.y, beta)


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(1e-12, abs(b))


def _certified(arch: Architecture) -> Callable[[Instance], Evidence]:
    def check(instance: Instance) -> Evidence:
        solution = _solve(instance, arch)
        certificate = certify(solution)
        rebuild = _relative(
            solution.network.objective(instance.X, instance.y, solution.beta), solution.objective
        )
        ok = certificate.optimal and certificate.exact and rebuild < 1e-8
        margin = max(0.0, certificate.sup / solution.beta - 1) if solution.beta > 0 else 0.0
        return Evidence(ok, max(margin, rebuild), repr(certificate))

    return check


def _depth4_equals_depth3(instance: Instance) -> Evidence:
    values = []
    for depth in (3, 4):
        D = dictionary(instance.X, Architecture("relu", depth), dedupe=True)
        beta = instance.beta_fraction * beta_max(
            dictionary(instance.X, Architecture("relu", 3)).matrix, instance.y
        )
        values.append(solve(D, instance.y, beta).objective)
    gap = _relative(values[1], values[0])
    return Evidence(gap < 1e-6, gap, f"L=3: {values[0]:.10g}, L=4: {values[1]:.10g}")


def _midpoints_needed(instance: Instance) -> Evidence:
    arch = Architecture("abs", 3)
    D = dictionary(instance.X, arch)
    beta = instance.beta_fraction * beta_max(D.matrix, instance.y)
    full = certify(solve(D, instance.y, beta))
    reflections = D.subset([f.kind == "reflection" for f in D.features])
    partial = certify(solve(reflections, instance.y, beta))
    found = not partial.optimal
    return Evidence(
        full.optimal,
        max(0.0, partial.sup / beta - 1),
        f"full: {full.optimal}; reflection-only beaten by {partial.violator.description}"
        if found
        else f"full: {full.optimal}; reflection-only optimal here",
        witness=found,
    )


def _nested_offsets(rng: np.random.Generator, depth: int) -> list[Fraction]:
    """Offsets r_2 > r_3 > ... with r_{l+1} < r_l / 2: every level adds all its kinks."""
    radii, current = [], Fraction(int(rng.integers(50, 100)))
    for _ in range(depth - 2):
        radii.append(current)
        current = current * Fraction(int(rng.integers(20, 45)), 100)
    return radii


def _multilevel(depth: int) -> Callable[[Instance], Evidence]:
    def check(instance: Instance) -> Evidence:
        rng = np.random.default_rng(zlib.crc32(instance.label.encode()))
        centre = Fraction(int(rng.integers(-20, 20)))
        radii = _nested_offsets(rng, depth)
        weights = [Fraction(1)] * (depth - 1)
        biases = [-centre] + [-r for r in radii]
        kinks = chain_kinks_1d(weights, biases, "abs")

        def feature(t):
            value = abs(t - centre)
            for r in radii:
                value = abs(value - r)
            return value

        zeros = [k for k in kinks if feature(k) == 0]
        expected = 2 ** (depth - 1) - 1
        probes = [Fraction(int(v), 7) for v in rng.integers(-2000, 2000, size=40)]
        mirror = all(feature(2 * centre - t) == feature(t) for t in probes)
        D = dictionary(instance.X, Architecture("abs", depth))
        sample = D.table.take(np.arange(0, len(D), max(1, len(D) // 100)))
        first_mirrors = -sample.params["b1"]
        grid = np.linspace(instance.X.min() - 5, instance.X.max() + 5, 41)
        values = D.family.evaluate(sample, grid[:, None])
        mirrored = np.stack(
            [
                D.family.evaluate(sample.take([c]), (2 * first_mirrors[c] - grid)[:, None])[:, 0]
                for c in range(len(sample))
            ],
            axis=1,
        )
        invariant = np.allclose(mirrored, values, atol=1e-9)
        ok = len(kinks) == expected and len(zeros) == 2 ** (depth - 2) and mirror and invariant
        return Evidence(
            ok,
            abs(len(kinks) - expected),
            f"{len(kinks)} kinks ({len(zeros)} zeros), mirror invariant: {mirror}",
        )

    return check


def _tv(activation: str, weight: float) -> Callable[[Instance], Evidence]:
    def check(instance: Instance) -> Evidence:
        import cvxpy as cp  # on first use: cvxpy is slow to import

        solution = _solve(instance, Architecture(activation, 2), dedupe=False)
        x = instance.X[:, 0]
        order = np.argsort(x)
        u = cp.Variable(x.size)
        distinct = np.flatnonzero(np.diff(x[order]) > 0)
        jumps = cp.hstack([u[order[i + 1]] - u[order[i]] for i in distinct]) if distinct.size else 0
        ties = [u[order[i + 1]] == u[order[i]] for i in np.flatnonzero(np.diff(x[order]) == 0)]
        problem = cp.Problem(
            cp.Minimize(
                0.5 * cp.sum_squares(u - instance.y) + weight * solution.beta * cp.norm1(jumps)
            ),
            ties,
        )
        problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11)
        gap = _relative(solution.objective, problem.value)
        return Evidence(
            gap < 1e-6, gap, f"Lasso {solution.objective:.10g}, TV {problem.value:.10g}"
        )

    return check


def _beta_max(instance: Instance) -> Evidence:
    worst = 0.0
    for arch in (Architecture("relu", 3), Architecture("abs", 3), Architecture("sign", 2)):
        D = dictionary(instance.X, arch)
        top = beta_max(D.matrix, instance.y)
        above, below = solve(D, instance.y, top * 1.0001), solve(D, instance.y, top * 0.999)
        if above.support.size or not below.support.size:
            return Evidence(False, 1.0, f"{arch.activation}: beta_max is not the threshold")
        worst = max(worst, above.l1_norm)
    return Evidence(True, worst, "z = 0 above beta_max, z != 0 just below")


def _two_points(instance: Instance) -> Evidence:
    x, y = instance.X[:2, 0], instance.y[:2]
    if abs(x[0] - x[1]) < 1e-3:
        return Evidence(True, 0.0, "coincident points skipped")
    spread, delta = abs(x[0] - x[1]), (y[0] - y[1]) * np.sign(x[0] - x[1])
    worst = 0.0
    for activation, depth, tau in [
        ("relu", 2, 2 / spread),
        ("relu", 3, 2 / spread),
        ("abs", 2, 2 / spread),
        ("abs", 3, 2 / spread),
        ("sign", 2, 1.0),
        ("threshold", 2, 2.0),
    ]:
        beta = instance.beta_fraction
        solution = solve(dictionary(x, Architecture(activation, depth)), y, beta)
        fitted = (solution.fitted[0] - solution.fitted[1]) * np.sign(x[0] - x[1])
        expected = np.sign(delta) * max(abs(delta) - tau * beta, 0.0)
        worst = max(worst, abs(fitted - expected), abs(solution.fitted.sum() - y.sum()))
    return Evidence(worst < 1e-6, worst, "u1 - u2 = soft(y1 - y2, tau), mean kept")


def _rebuild(instance: Instance) -> Evidence:
    archs = (
        [Architecture("relu", 2), Architecture("abs", 3, norm=1)]
        if instance.X.shape[1] > 1
        else [
            Architecture(a, L)
            for a, L in [("relu", 2), ("relu", 4), ("abs", 4), ("leaky_relu", 2), ("threshold", 2)]
        ]
        + [Architecture("sign", 4, kind="tree", widths=(2, 2))]
    )
    worst = 0.0
    for arch in archs:
        solution = _solve(instance, arch, dedupe=False)
        network = solution.network
        worst = max(
            worst,
            _relative(network.objective(instance.X, instance.y, solution.beta), solution.objective),
            float(np.max(np.abs(network.predict(instance.X) - solution.fitted))),
        )
    return Evidence(worst < 1e-8, worst, "network objective = Lasso objective")


def _orthogonal_weights(instance: Instance) -> Evidence:
    solution = _solve(instance, Architecture("abs", 3, norm=1))
    D = solution.dictionary
    family = D.family
    pool = family._pool_values
    worst = 0.0
    for j in solution.support:
        w = np.append(D.table.params["w1"][j], D.table.params["b1"][j])
        for i in D.table.indices[j, : family._span_dim - 1]:
            worst = max(worst, abs(pool[int(i)] @ w) / max(1.0, np.linalg.norm(pool[int(i)])))
    return Evidence(worst < 1e-9, worst, f"{solution.support.size} active neurons")


def _wedge_bound(instance: Instance) -> Evidence:
    from clifflasso.proofs.arrangement import arrangement_optimum

    solution = _solve(instance, Architecture("relu", 2))
    truth = arrangement_optimum(instance.X, instance.y, solution.beta).value
    excess = solution.objective - truth
    return Evidence(
        excess >= -1e-7 * max(1.0, truth),
        excess,
        f"wedge Lasso {solution.objective:.8g} >= optimum {truth:.8g}",
        witness=excess > 1e-6 * max(1.0, truth),
    )


def _strict_gap(instance: Instance) -> Evidence:
    from clifflasso.proofs.arrangement import arrangement_optimum

    arch = Architecture("relu", 2, bias=False, output_bias=False)
    D = dictionary(instance.X, arch)
    beta = instance.beta_fraction
    solution = solve(D, instance.y, beta)
    truth = arrangement_optimum(instance.X, instance.y, beta, bias=False, output_bias=False)
    certificate = certify(solution)
    gap = solution.objective - truth.value
    found = gap > 1e-6 and not certificate.optimal and certificate.violator is not None
    return Evidence(
        gap >= -1e-9,
        gap,
        f"wedge {solution.objective:.8g}, optimum {truth.value:.8g}; {certificate!r}",
        witness=found,
    )


def _arrangement_1d(instance: Instance) -> Evidence:
    from clifflasso.proofs.arrangement import arrangement_optimum

    solution = _solve(instance, Architecture("relu", 2))
    truth = arrangement_optimum(instance.X, instance.y, solution.beta).value
    gap = _relative(solution.objective, truth)
    return Evidence(gap < 1e-6, gap, f"Lasso {solution.objective:.10g}, exact {truth:.10g}")


def _training_above(instance: Instance) -> Evidence:
    from clifflasso.numeric.train import train

    arch = Architecture("abs", 3)
    solution = _solve(instance, arch)
    trained = train(instance.X, instance.y, arch, solution.beta, restarts=3, seed=1)
    excess = trained.objective - solution.objective
    return Evidence(
        excess >= -1e-7 * max(1.0, solution.objective),
        excess,
        f"trained {trained.objective:.8g} >= Lasso {solution.objective:.8g}",
    )


def _quadratic_sdp(instance: Instance) -> Evidence:
    r"""The Bartan-Pilanci SDP optimum is the training optimum of
    :math:`\sum_j\alpha_j\sigma(w_j^\top x)`, :math:`\sigma(t) = at^2 + bt + c`: the network
    rebuilt from the SDP's solution attains it, the dual certificate bounds every network of
    every width from below by it, and local training from several starts never goes below.
    The instance's ``beta_fraction`` is :math:`\beta` itself (the SDP has no dictionary whose
    :math:`\beta_{\max}` could scale it); :math:`(a, b, c)` are drawn from its label."""
    from clifflasso.polynomial import sdp_fit, train_polynomial

    rng = np.random.default_rng(zlib.crc32(instance.label.encode()))
    coeffs = tuple(float(v) for v in rng.normal(size=3))
    beta = instance.beta_fraction
    solution = sdp_fit(instance.X, instance.y, beta, coeffs)
    scale = max(1.0, solution.objective)
    network_objective = solution.network.objective(instance.X, instance.y, beta)
    rebuilt = abs(network_objective - solution.objective)
    certificate = solution.certificate
    trained = train_polynomial(
        instance.X,
        instance.y,
        beta,
        solution.network.width + 1,
        coeffs,
        restarts=3,
        seed=1,
        max_iter=200,
    )
    below = max(0.0, solution.objective - min(trained.history))
    ok = (
        rebuilt <= 1e-6 * scale
        and 0 <= certificate.gap <= 1e-6 * scale
        and min(trained.history) >= certificate.lower_bound - 1e-9 * scale
        and below <= 1e-7 * scale
    )
    return Evidence(
        ok,
        max(rebuilt, certificate.gap, below) / scale,
        f"coeffs {np.round(coeffs, 4).tolist()}: SDP {solution.objective:.10g}, rebuilt "
        f"{solution.network.width} neurons {network_objective:.10g}, dual bound "
        f"{certificate.lower_bound:.10g}, best local training {min(trained.history):.10g}",
    )


def _rational_rotation(rng: np.random.Generator, n: int):
    r"""A rational orthogonal matrix: a product of plane rotations by the angles of the
    Pythagorean triples (3, 4, 5) and (5, 12, 13), in random coordinate planes."""
    import sympy as sp

    Q = sp.eye(n)
    for i, j in itertools.combinations(range(n), 2):
        a, b, c = ((3, 4, 5), (5, 12, 13))[int(rng.integers(2))]
        G = sp.eye(n)
        G[i, i] = G[j, j] = sp.Rational(a, c)
        G[i, j], G[j, i] = sp.Rational(-b, c), sp.Rational(b, c)
        Q = Q * G
    return Q


def _gaussian_landscape(instance: Instance) -> Evidence:
    r"""Every listed critical point of the quadratic student against a realizable teacher
    :math:`T = Q\Lambda Q^\top` (rational :math:`Q`, distinct integer eigenvalues,
    ``width`` :math:`= n`): the exact gradient vanishes, the exact inertia of the exact Hessian
    is the listed signature and agrees with the float eigenvalues, each :math:`A_S` is
    :math:`\sum_{i\in S}(\lambda_i + \mu_S)q_iq_i^\top` from the construction, and the global
    minimum has loss 0 and no negative curvature. The instance gives only
    :math:`n = \min(N, 3)` and, through its label, the seed of :math:`T`."""
    import sympy as sp

    from clifflasso import polynomial

    rng = np.random.default_rng(zlib.crc32(instance.label.encode()))
    n = min(len(instance.y), 3)
    eigenvalues = [int(v) for v in rng.choice(np.r_[-5:0, 1:7], size=n, replace=False)]
    Q = _rational_rotation(rng, n)
    T = Q * sp.diag(*eigenvalues) * Q.T
    points = polynomial.gaussian_critical_points(T, n)
    loss = polynomial.student_polynomial(T, n)
    T_float = np.array(T.tolist(), dtype=float)
    expected = set()
    for size in range(n + 1):
        for support in itertools.combinations(range(n), size):
            shift = sp.Rational(sum(eigenvalues[j] for j in range(n) if j not in support))
            shift /= size + 2
            if all(eigenvalues[i] + shift != 0 for i in support):
                A = sp.zeros(n, n)
                for i in support:
                    A += (eigenvalues[i] + shift) * Q[:, i] * Q[:, i].T
                expected.add(tuple(A))
    worst, problems = 0.0, []
    for point in points:
        theta = point.parameters
        if any(g != 0 for g in loss.gradient(theta)):
            problems.append(f"nonzero gradient at {point!r}")
        signature = polynomial.inertia(loss.hessian(theta))
        W = np.array(point.first_layer.tolist(), dtype=float)
        alpha = np.array([float(v) for v in point.output])
        spectrum = np.linalg.eigvalsh(polynomial.student_hessian(W, alpha, T_float))
        tolerance = 1e-9 * max(1.0, float(np.max(np.abs(spectrum))))
        counted = (
            int(np.sum(spectrum > tolerance)),
            int(np.sum(spectrum < -tolerance)),
            int(np.sum(np.abs(spectrum) <= tolerance)),
        )
        gaps = np.sort(np.abs(spectrum))
        worst = max(worst, float(np.max(np.abs(polynomial.student_gradient(W, alpha, T_float)))))
        if not signature == tuple(point.signature) == counted:
            problems.append(f"{point!r}: listed {point.signature}, exact {signature}, {counted}")
        if point.kind == "global minimum" and (point.loss != 0 or signature[1] != 0):
            problems.append(f"global minimum {point!r} with inertia {signature}")
        if counted[2] < gaps.size and gaps[counted[2]] <= 1e3 * tolerance:  # unresolved
            problems.append(f"{point!r}: eigenvalue {gaps[counted[2]]:.3g} near the tolerance")
    listed = {tuple(sp.Matrix(point.matrix)) for point in points}
    if listed != expected:
        problems.append(f"{len(listed)} critical matrices listed, {len(expected)} predicted")
    if not any(point.kind == "global minimum" for point in points):
        problems.append("no global minimum listed")
    return Evidence(
        not problems,
        worst,
        "; ".join(problems)
        or f"T eigenvalues {eigenvalues}: {len(points)} critical points, signatures "
        + ", ".join(f"{tuple(p.signature)}" for p in points),
    )


def _spanning_vectors(X: np.ndarray, spanned_by) -> list[tuple[Fraction, ...]]:
    r"""Exact homogeneous spanning vectors of a hyperplane feature: a data point is
    :math:`(x_i, 1)`, an axis :math:`(e_k, 0)`."""
    d = X.shape[1]
    vectors = []
    for kind, indices in spanned_by:
        if kind == "point":
            vectors.append(tuple(Fraction(float(v)) for v in X[indices[0]]) + (Fraction(1),))
        elif kind == "axis":
            vectors.append(tuple(Fraction(int(k == indices[0])) for k in range(d)) + (0,))
        else:
            raise ValueError(f"a ReLU wedge is spanned by points and axes, not {kind!r}")
    return vectors


def _exact_wedge(vectors: list[tuple[Fraction, ...]]) -> list[Fraction]:
    r"""The generalized cross product :math:`g` with
    :math:`g\cdot x = \det[x; v_1; \dots; v_{D-1}]`, entry :math:`k` the determinant with
    :math:`x = e_k` (exact elimination)."""
    from clifflasso.symbolic.rational import determinant

    size = len(vectors) + 1
    return [
        determinant([[Fraction(int(i == k)) for i in range(size)], *vectors]) for k in range(size)
    ]


def _wedge_weights(instance: Instance) -> Evidence:
    r"""Each active first-layer weight of the certified optimal two-layer ReLU network
    (:math:`\ell_1` norm, bias) is, up to sign, :math:`\times(v_1, \dots, v_d)/\|\cdot\|_1` for
    data points :math:`(x_i, 1)` and axes :math:`(e_k, 0)`: orthogonal to each :math:`v_k` in
    floats, equal to the exact generalized cross product, and parallel to the rejection
    :math:`a - P_{\operatorname{span}(v)}a` of a random vector :math:`a` (Pilanci 2023: the
    normal of the blade :math:`v_1\wedge\cdots\wedge v_d`). Checked in d = 2 on the instance
    and in d = 3 on the instance with a third seeded coordinate."""
    rng = np.random.default_rng(zlib.crc32(instance.label.encode()))
    lifted = np.column_stack([instance.X, rng.uniform(-3, 3, size=len(instance.y))])
    worst, notes = 0.0, []
    for X in (instance.X, lifted):
        solution = _solve(
            Instance(X, instance.y, instance.beta_fraction, instance.label),
            Architecture("relu", 2, norm=1),
        )
        certificate = certify(solution)
        if not (certificate.optimal and certificate.exact):
            return Evidence(
                False, float("inf"), f"d = {X.shape[1]}: not certified: {certificate!r}"
            )
        D, network = solution.dictionary, solution.network
        d = X.shape[1]
        for row, j in enumerate(solution.support):
            vectors = _spanning_vectors(X, D.features[int(j)].parameters["spanned_by"])
            wedge = _exact_wedge(vectors)
            weight_norm = sum(abs(v) for v in wedge[:d])
            if weight_norm == 0:
                return Evidence(False, float("inf"), f"column {j}: degenerate wedge")
            expected = np.array([float(v / weight_norm) for v in wedge])
            column = np.append(D.table.params["w1"][j], D.table.params["b1"][j])
            unit = np.append(network.first_weights[row], network.first_biases[row])
            unit = unit / np.sum(np.abs(unit[:d]))
            scale = 1.0 + float(np.max(np.abs(expected)))
            spans = np.array([[float(v) for v in vector] for vector in vectors])
            orthogonal = float(np.max(np.abs(spans @ column) / (1.0 + np.abs(spans).sum(axis=1))))
            proportional = (
                min(float(np.max(np.abs(column - s * expected))) for s in (1.0, -1.0)) / scale
            )
            rebuilt = float(np.max(np.abs(unit - column))) / scale
            rejected = rejection(rng.normal(size=d + 1), spans)
            cosine = abs(rejected @ column) / (np.linalg.norm(rejected) * np.linalg.norm(column))
            worst = max(worst, orthogonal, proportional, rebuilt, 1.0 - cosine)
        notes.append(f"d = {d}: {solution.support.size} active wedges")
    return Evidence(worst < 1e-9, worst, ", ".join(notes))


def _with_unit(network: ChainNetwork, w: np.ndarray, a: float, r: float, t: float) -> ChainNetwork:
    r"""``network`` plus the depth-3 abs unit :math:`t\,\bigl||w\cdot x - a| - r\bigr|`
    (:math:`\|w\| = 1`), each layer scaled by :math:`\gamma = |t|^{1/3}` so that its penalty is
    :math:`|t|`."""
    gamma = abs(t) ** (1 / 3)
    return dataclasses.replace(
        network,
        first_weights=np.vstack([network.first_weights, gamma * w]),
        first_biases=np.append(network.first_biases, -gamma * a),
        hidden_weights=np.vstack([network.hidden_weights, [[gamma]]]),
        hidden_biases=np.vstack([network.hidden_biases, [[-(gamma**2) * r]]]),
        output_weights=np.append(network.output_weights, np.sign(t) * gamma),
    )


def _euclidean_chambers(instance: Instance) -> Evidence:
    r"""The lifted-chamber certificate of abs depth 3 with :math:`\|w\|_2 = 1` is a proof.

    Its lower bound lies below the candidate (an undecided verdict, within the solver's
    accuracy of beta, is checked for that alone). A reported violator
    :math:`F = \bigl||w\cdot x - a| - r\bigr|` is rebuilt from its parameters, must beat
    :math:`\beta` (:math:`|\mu^\top F_c| > \beta`, :math:`\mu` the centred residual), and the
    network with it added at the optimal step
    :math:`t = \operatorname{sign}(\mu^\top F_c)(|\mu^\top F_c| - \beta)/\|F_c\|^2` (output bias
    moved by :math:`-t\bar F`) must have the training objective
    :math:`P - (|\mu^\top F_c| - \beta)^2/(2\|F_c\|^2) < P`, still above the lower bound. An
    OPTIMAL verdict is set against local training, which must not go below the bound."""
    from clifflasso.numeric.train import train

    arch = Architecture("abs", 3, norm=2)
    solution = _solve(instance, arch)
    certificate = certify(solution)
    X, y, beta = instance.X, instance.y, solution.beta
    scale = max(1.0, solution.objective)
    if certificate.kind == "sampled":
        return Evidence(False, float("inf"), f"not a proof: {certificate!r}")
    below = certificate.lower_bound - solution.objective
    if certificate.verdict == "undecided":  # a proven bound within the solver's accuracy
        return Evidence(bool(below <= 1e-9 * scale), max(0.0, below), repr(certificate))
    if certificate.optimal:
        trained = train(X, y, arch, beta, restarts=2, seed=1, max_iter=500)
        below = max(below, certificate.lower_bound - trained.objective)
        return Evidence(bool(below <= 1e-9 * scale), max(0.0, below), repr(certificate))
    violator = certificate.violator
    if violator is None:
        return Evidence(False, float("inf"), f"not optimal without a violator: {certificate!r}")
    w = np.asarray(violator.parameters["weights"], dtype=float)
    a, r = float(violator.parameters["a"]), float(violator.parameters["r"])
    column = np.abs(np.abs(X @ w - a) - r)
    centred = column - column.mean()
    residual = y - solution.fitted
    excess = abs(residual @ centred) - beta
    t = np.sign(residual @ centred) * excess / (centred @ centred)
    network = _with_unit(solution.network, w, a, r, t)
    network = dataclasses.replace(network, output_bias=network.output_bias - t * column.mean())
    improved = network.objective(X, y, beta)
    predicted = solution.objective - excess**2 / (2 * centred @ centred)
    unit = abs(np.linalg.norm(w) - 1.0)
    ok = (
        below <= 1e-9 * scale
        and unit <= 1e-9
        and excess > 0
        and abs(improved - predicted) <= 1e-9 * scale
        and certificate.lower_bound <= improved + 1e-9 * scale
        and improved < solution.objective
    )
    return Evidence(
        bool(ok),
        max(0.0, below, abs(improved - predicted)) / scale,
        f"violator beats beta by {excess:.3g}; network with it {improved:.10g} < Lasso "
        f"{solution.objective:.10g}, lower bound {certificate.lower_bound:.10g}",
        witness=improved < solution.objective,
    )


def _deep_relu_bound(instance: Instance) -> Evidence:
    r"""ReLU depth 3 with :math:`\|w\|_2 = 1`: the Lasso over the lifted vertices is attained by
    its rebuilt network, so it bounds the training optimum from above. The certificate (lifted
    chambers, a proof) must not say OPTIMAL when local training finds a better network, and its
    lower bound must lie below every trained network."""
    from clifflasso.numeric.train import train

    arch = Architecture("relu", 3, norm=2)
    solution = _solve(instance, arch)
    X, y, beta = instance.X, instance.y, solution.beta
    scale = max(1.0, solution.objective)
    rebuilt = _relative(solution.network.objective(X, y, beta), solution.objective)
    trained = train(X, y, arch, beta, restarts=3, seed=1, max_iter=500)
    better = trained.objective < solution.objective - 1e-6 * scale
    certificate = certify(solution, samples=1_000)
    below = certificate.kind != "sampled" and (
        trained.objective < certificate.lower_bound - 1e-9 * scale
    )
    return Evidence(
        bool(rebuilt < 1e-8 and not (better and certificate.optimal) and not below),
        max(0.0, solution.objective - trained.objective) / scale,
        f"Lasso {solution.objective:.8g}, trained {trained.objective:.8g}; {certificate!r}",
        witness=better,
    )


# --------------------------------------------------------------------------------- registry
_EQUIVALENCE = (
    r"\min_\theta \tfrac12\|f_\theta(X) - y\|^2 + \tfrac{\beta}{L}\|\theta\|_L^L"
    r" = \min_{z,\xi} \tfrac12\|Az + \xi\mathbf 1 - y\|^2 + \beta\|z\|_1"
)


def _registry() -> dict[str, Theorem]:
    theorems = []
    for activation in ("relu", "leaky_relu", "abs", "threshold", "sign"):
        theorems.append(
            Theorem(
                f"two_layer_1d_{activation}",
                _EQUIVALENCE + r",\ A = \text{steps/ramps at } x_n",
                "1-D data, width >= ||z*||_0",
                "A Library of Mirrors §3.1 (derived)",
                "equality",
                _certified(Architecture(activation, 2)),
            )
        )
    for depth in (3, 4):
        theorems.append(
            Theorem(
                f"relu_chains_1d_L{depth}",
                _EQUIVALENCE + rf",\ L = {depth}",
                "parallel deep-narrow ReLU chains, l_L^L penalty",
                "A Library of Mirrors §3.2 (code dictionary; completeness derived)",
                "equality",
                _certified(Architecture("relu", depth)),
            )
        )
    theorems += [
        Theorem(
            "relu_depth4_equals_depth3",
            r"P_4(\beta) = P_3(\beta)",
            "parallel ReLU chains, 1-D",
            "A Library of Mirrors §3.2 finding 3 (derived)",
            "equality",
            _depth4_equals_depth3,
        ),
        Theorem(
            "abs_depth3_1d",
            _EQUIVALENCE + r",\ A = \text{reflections} \cup \text{midpoints}",
            "parallel abs chains, 1-D",
            "A Library of Mirrors §3.3 (derived)",
            "equality",
            _certified(Architecture("abs", 3)),
        ),
        Theorem(
            "abs_depth3_needs_midpoints",
            r"\exists\ \text{data}: P_3 < \text{Lasso}(\text{reflections only})",
            "parallel abs chains, depth 3",
            "A Library of Mirrors §3.3 (derived)",
            "counterexample",
            _midpoints_needed,
        ),
        Theorem(
            "abs_deep_1d_L4",
            _EQUIVALENCE + r",\ A = \text{arrangement vertices}",
            "parallel abs chains",
            "A Library of Mirrors §3.3 (derived)",
            "equality",
            _certified(Architecture("abs", 4)),
            sizes=(4, 5),
        ),
    ]
    for depth in (4, 5):
        theorems.append(
            Theorem(
                f"abs_multilevel_L{depth}",
                rf"\#\text{{kinks}}(h_{depth}) = 2^{{{depth - 1}}} - 1,\ h(2a - x) = h(x)",
                "nested offsets r_{l+1} < r_l / 2",
                "Black Boxes and Looking Glasses §3.4 (verified)",
                "structure",
                _multilevel(depth),
                sizes=(3, 4),
            )
        )
    theorems += [
        Theorem(
            "step_tv_threshold",
            r"\text{Lasso}_{1\{x \ge x_n\}} = \min_u \tfrac12\|u - y\|^2"
            r" + \beta\,\mathrm{TV}(u)",
            "1-D",
            "A Library of Mirrors §3.1 (derived)",
            "equality",
            _tv("threshold", 1.0),
        ),
        Theorem(
            "step_tv_sign",
            r"\text{Lasso}_{\mathrm{sign}(x - x_n)} = \min_u \tfrac12\|u-y\|^2"
            r" + \tfrac{\beta}{2}\mathrm{TV}(u)",
            "1-D",
            "A Library of Mirrors §3.1 (derived)",
            "equality",
            _tv("sign", 0.5),
        ),
        Theorem(
            "beta_max",
            r"z^* = 0 \iff \beta \ge \|A^\top(y - \bar y\mathbf 1)\|_\infty",
            "intercept free",
            "standard Lasso KKT conditions",
            "identity",
            _beta_max,
        ),
        Theorem(
            "two_point_closed_forms",
            r"u_1 - u_2 = \mathrm{soft}(y_1 - y_2, \tau),\ \tau = \tfrac{2\beta}{x_1 - x_2}"
            r"\ (\text{ReLU, abs}),\ \beta\ (\text{sign}),\ 2\beta\ (\text{threshold})",
            "N = 2",
            "A Library of Mirrors §5.2 (derived)",
            "identity",
            _two_points,
            sizes=(2, 2),
        ),
        Theorem(
            "rebuild_identity",
            r"\text{objective}(\text{network}(z^*)) = \text{Lasso}(z^*)",
            "gamma = |z|^{1/L} per layer",
            "rescaling of each chain (derived)",
            "identity",
            _rebuild,
        ),
        Theorem(
            "rebuild_identity_2d",
            r"\text{objective}(\text{network}(z^*)) = \text{Lasso}(z^*)",
            "d = 2",
            "rescaling of each chain (derived)",
            "identity",
            _rebuild,
            dim=2,
            sizes=(4, 5),
        ),
        Theorem(
            "weights_orthogonal_to_mirrors",
            r"\tilde w \perp v_k,\ \tilde w \propto \star(v_1\wedge\cdots\wedge v_d)",
            "abs depth 3, l1 norm, d = 2",
            "Black Boxes and Looking Glasses §4.3 (verified)",
            "structure",
            _orthogonal_weights,
            dim=2,
            sizes=(4, 4),
        ),
        Theorem(
            "abs_l1_equivalence_2d_L2",
            _EQUIVALENCE + r",\ \|w\|_1 = 1",
            "abs, depth 2, l1 first-layer norm",
            "Black Boxes and Looking Glasses §3.1",
            "equality",
            _certified(Architecture("abs", 2, norm=1)),
            dim=2,
            sizes=(4, 6),
        ),
        Theorem(
            "abs_l1_equivalence_2d_L3",
            _EQUIVALENCE + r",\ \|w\|_1 = 1",
            "abs, depth 3, l1 first-layer norm",
            "Black Boxes and Looking Glasses §3.2",
            "equality",
            _certified(Architecture("abs", 3, norm=1)),
            dim=2,
            sizes=(4, 4),
        ),
        Theorem(
            "abs_l1_equivalence_2d_L4",
            _EQUIVALENCE + r",\ A = \text{lifted vertices},\ \|w\|_1 = 1",
            "abs, depth 4, l1 first-layer norm, d = 2",
            "lifted event arrangement (derived; Black Boxes and Looking Glasses §3.4 levels)",
            "equality",
            _certified(Architecture("abs", 4, norm=1)),
            dim=2,
            sizes=(4, 5),
        ),
        Theorem(
            "relu_l1_equivalence_2d_L3",
            _EQUIVALENCE + r",\ A = \text{lifted vertices},\ \|w\|_1 = 1",
            "ReLU, depth 3, l1 first-layer norm, d = 2",
            "lifted event arrangement (derived; 1-D: A Library of Mirrors §3.2)",
            "equality",
            _certified(Architecture("relu", 3, norm=1)),
            dim=2,
            sizes=(5, 6),
        ),
        Theorem(
            "abs_euclidean_chambers_2d_L3",
            r"\text{certificate}(\|w\|_2 = 1) \Rightarrow p^* \ge \text{bound};\ "
            r"\text{violator} \Rightarrow \text{a better network}",
            "abs depth 3, l2 first-layer norm, d = 2, lifted chambers of (w, a, r)",
            "lifted event arrangement, one SOCP per cone with exact dual bounds (derived)",
            "bound",
            _euclidean_chambers,
            dim=2,
            sizes=(4, 5),
        ),
        Theorem(
            "relu_wedge_upper_bound_2d",
            r"p^* \le \text{Lasso}_{\text{wedge}}",
            "ReLU depth 2, l2 weight decay, d = 2",
            "From Complexity to Clarity §5.4 (verified)",
            "bound",
            _wedge_bound,
            dim=2,
            sizes=(4, 5),
        ),
        Theorem(
            "relu_wedge_upper_bound_2d_L3",
            r"p^* \le \text{Lasso}_{\text{lifted vertices}}(\|w\|_2 = 1)",
            "ReLU depth 3, l2 first-layer norm, d = 2",
            "lifted event arrangement (derived; exact only with the l1 norm)",
            "bound",
            _deep_relu_bound,
            dim=2,
            sizes=(4, 5),
        ),
        Theorem(
            "relu_wedge_strict_gap",
            r"p^*(I_2, \mathbf 1, 0.1) = \sqrt2\beta - \beta^2/2"
            r" < 0.19 = \text{Lasso}_{\text{wedge}}",
            "no biases, d = 2",
            "closed form of the one-neuron optimum (derived)",
            "counterexample",
            _strict_gap,
            dim=2,
            fixed=(Instance(np.eye(2), np.ones(2), 0.1, "X = I_2"),),
        ),
        Theorem(
            "relu_weights_are_wedges",
            r"w_j^* / \|w_j^*\|_1 = \pm\,\times(v_1, \dots, v_d) / \|\cdot\|_1,"
            r"\ v_k \in \{(x_n, 1)\} \cup \{(e_k, 0)\}",
            "ReLU depth 2, l1 first-layer norm, d = 2 and 3, certified optimal",
            "From Complexity to Clarity (Pilanci 2023); exact cross products (verified)",
            "structure",
            _wedge_weights,
            dim=2,
            sizes=(5, 6),
        ),
        Theorem(
            "quadratic_sdp_equals_training",
            r"\min_{\|w_j\| = 1, \alpha} \tfrac12\|\textstyle\sum_j \alpha_j \sigma(Xw_j) - y\|^2"
            r" + \beta\|\alpha\|_1 = \text{SDP}(\beta),\ \sigma(t) = at^2 + bt + c",
            "two layers, quadratic activation, width >= 2(d + 1), no biases",
            "Bartan & Pilanci 2021 (the SDP); Arjevani et al. 2025 (polynomial networks)",
            "equality",
            _quadratic_sdp,
            dim=2,
            sizes=(5, 7),
        ),
        Theorem(
            "gaussian_critical_points",
            r"\nabla L(\theta_S) = 0,\ \operatorname{In}\nabla^2 L(\theta_S) = "
            r"\text{listed},\ A_S = \textstyle\sum_{i\in S}(\lambda_i + \mu_S)v_iv_i^\top",
            "quadratic student against a realizable teacher x^T T x, x ~ N(0, I), width = n",
            "Arjevani et al. 2025 (polynomial networks; derived, checked exactly)",
            "structure",
            _gaussian_landscape,
            sizes=(2, 3),
        ),
        Theorem(
            "arrangement_equals_lasso_1d",
            r"p^*_{\text{Pilanci-Ergen}} = \text{Lasso}",
            "ReLU depth 2, 1-D",
            "Pilanci & Ergen 2020; A Library of Mirrors §3.1",
            "equality",
            _arrangement_1d,
        ),
        Theorem(
            "training_never_below_lasso",
            r"\text{objective}(\theta) \ge P(\beta)",
            "abs depth 3, 1-D, L-BFGS restarts",
            "Lasso equivalence of training (evidence, not proof)",
            "bound",
            _training_above,
            sizes=(4, 5),
        ),
    ]
    return {t.name: t for t in theorems}


REGISTRY: dict[str, Theorem] = _registry()


def _instances(theorem: Theorem, rng: np.random.Generator, count: int, quick: bool):
    if theorem.fixed:
        return list(theorem.fixed)
    n = theorem.sizes[0 if quick else 1]
    out = []
    for k in range(count):
        X = rng.uniform(-3, 3, size=(n, theorem.dim))
        y = rng.normal(size=n)
        out.append(Instance(X, y, float(rng.uniform(0.05, 0.6)), f"{theorem.name}#{k}"))
    return out


def run_theorem(theorem: Theorem, instances: list[Instance]) -> TheoremReport:
    failures, gaps, witnesses = [], [], 0
    for instance in instances:
        try:
            evidence = theorem.check(instance)
        except Exception as exc:  # noqa: BLE001 - a crash is reported as a failure
            evidence = Evidence(False, float("inf"), f"{type(exc).__name__}: {exc}")
        gaps.append(evidence.gap)
        witnesses += evidence.witness
        if not evidence.passed:
            failures.append(f"{instance.label}: {evidence.details}")
    passed = not failures and (theorem.kind != "counterexample" or witnesses > 0)
    if theorem.kind == "counterexample" and witnesses == 0:
        failures.append("no counterexample found on these instances")
    return TheoremReport(
        theorem.name,
        theorem.kind,
        len(instances),
        passed,
        float(max(gaps)) if gaps else 0.0,
        tuple(failures),
    )


def run(
    names: list[str] | None = None,
    *,
    quick: bool = False,
    seed: int = 0,
    data: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[TheoremReport]:
    """Check the registry (or the named theorems) on seeded random instances.

    ``quick`` uses 3 small instances per theorem (12 for a counterexample search);
    otherwise 10 (30). ``data = (X, y)`` adds the user's data to every theorem of its dimension.
    """
    unknown = sorted(set(names or []) - set(REGISTRY))
    if unknown:
        raise ValueError(f"unknown theorem(s) {unknown}; available: {', '.join(REGISTRY)}")
    reports = []
    for name in names or list(REGISTRY):
        theorem = REGISTRY[name]
        if progress is not None:
            progress(name)
        rng = np.random.default_rng([seed, *map(ord, name)])
        search = theorem.kind == "counterexample"
        count = (12 if search else 3) if quick else (30 if search else 10)
        instances = _instances(theorem, rng, count, quick)
        if data is not None and not theorem.fixed:
            X = np.asarray(data[0], dtype=float).reshape(len(data[1]), -1)
            if X.shape[1] == theorem.dim:
                instances.append(Instance(X, np.asarray(data[1], float), 0.1, "user data"))
        reports.append(run_theorem(theorem, instances))
    return reports


__all__ = ["REGISTRY", "Evidence", "Instance", "Theorem", "TheoremReport", "run", "run_theorem"]
