r"""Two-layer networks with a quadratic activation: the exact SDP of Bartan & Pilanci (2021).

The training problem. For data
:math:`X \in \mathbb{R}^{N\times d}` (rows :math:`x_n`), labels :math:`y`, an activation
:math:`\sigma(t) = a t^2 + b t + c` and :math:`\beta > 0`,

.. math::

    p^*_m = \min_{\|w_j\|_2 = 1,\ \alpha \in \mathbb{R}^m}\ \tfrac12\Big\|\sum_{j=1}^m
    \alpha_j\,\sigma(X w_j) - y\Big\|_2^2 + \beta\sum_{j=1}^m |\alpha_j| :

squared loss with the factor :math:`\tfrac12`, :math:`\beta` times the :math:`\ell_1` norm of the
output weights, first-layer rows on the unit sphere, no biases. Because :math:`\sigma` is a
quadratic, the network is linear in the lifted variables :math:`Z = \sum_j \alpha_j w_j w_j^\top`,
:math:`g = \sum_j \alpha_j w_j`, :math:`s = \sum_j \alpha_j`:

.. math::

    \sum_j \alpha_j\,\sigma(w_j^\top x) = \langle x x^\top, aZ\rangle + b\langle x, g\rangle + c\,s.

The SDP (Bartan & Pilanci, *Neural Spectrahedra and Semidefinite Lifts*, arXiv 2101.02429;
Math. Programming 213 (2025) 737-769) keeps the positive and the negative neurons in two
:math:`(d+1)\times(d+1)` blocks, :math:`Z = \sum_{\alpha_j>0} \alpha_j \tilde w_j\tilde w_j^\top`
and :math:`Z' = \sum_{\alpha_j<0} |\alpha_j| \tilde w_j\tilde w_j^\top` with
:math:`\tilde w = (w, 1)`, and relaxes "sum of lifted unit neurons" to "PSD with a trace
condition":

.. math::

    \min_{Z, Z' \succeq 0}\ \tfrac12\|\hat y - y\|_2^2 + \beta\,(Z_4 + Z'_4)
    \quad\text{s.t.}\quad \operatorname{tr} Z_1 = Z_4,\ \operatorname{tr} Z'_1 = Z'_4,

    \hat y_n = a\,x_n^\top(Z_1 - Z'_1)x_n + b\,x_n^\top(Z_2 - Z'_2) + c\,(Z_4 - Z'_4),

with the blocks :math:`Z = \begin{pmatrix} Z_1 & Z_2 \\ Z_2^\top & Z_4\end{pmatrix}`
(:math:`Z_1 \in \mathbb{S}^d`, :math:`Z_2 \in \mathbb{R}^d`, :math:`Z_4 \in \mathbb{R}`).

**Why it is exact.** Every unit-norm network is feasible with the same objective, so the SDP
value is :math:`\le p^*_m`. Conversely the trace condition says :math:`\langle G, Z\rangle = 0`
for the Minkowski form :math:`G = \operatorname{diag}(I_d, -1)`, and the rank-one decomposition
of Sturm & Zhang (Pólik & Terlaky, *A survey of the S-lemma*, Lemma 2.4) writes
:math:`Z = \sum_j \tilde y_j\tilde y_j^\top` with :math:`\operatorname{rank} Z` terms, each
*G-null*: :math:`\tilde y_j = (p_j, q_j)` with :math:`\|p_j\| = |q_j|`, i.e.
:math:`\tilde y_j\tilde y_j^\top = q_j^2\,(u_j, 1)(u_j, 1)^\top` with the unit vector
:math:`u_j = p_j/q_j`. Each term is one neuron :math:`(u_j, \pm q_j^2)` and the network has the
SDP's objective exactly, with :math:`\operatorname{rank} Z + \operatorname{rank} Z' \le 2(d+1)`
neurons; hence :math:`p^*_m` equals the SDP value for every :math:`m \ge 2(d+1)`.

**Dual certificate** (squared loss; weak duality). For any :math:`v \in
\mathbb{R}^N` with :math:`|v^\top\sigma(Xu)| \le \beta` for all unit :math:`u`, every network
satisfies :math:`\tfrac12\|\hat y - y\|^2 + \beta\|\alpha\|_1 \ge v^\top y - \tfrac12\|v\|^2`.
The sphere condition is the pair of LMIs (S-lemma form), for :math:`s = \pm 1`,

.. math::

    S_s(\rho) = \begin{pmatrix} \rho I - s\,a\,X^\top\operatorname{diag}(v)X &
    -s\,\tfrac b2 X^\top v \\ -s\,\tfrac b2 v^\top X & \beta - s\,c\,\mathbf 1^\top v - \rho
    \end{pmatrix} \succeq 0,

since :math:`(u,1)^\top S_s(\rho)(u,1) = \beta - s\,v^\top\sigma(Xu)` when :math:`\|u\| = 1`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property

import cvxpy as cp
import numpy as np
from scipy.optimize import minimize_scalar

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.lasso.errors import SolverError

#: Activation coefficients (a, b, c) of the quadratic ReLU surrogate in Bartan & Pilanci's code.
RELU_SURROGATE = (0.09, 0.5, 0.47)

#: Clarabel settings tried in turn until one ends OPTIMAL: tight tolerances first. A stronger
#: static regularisation (and a shorter step) avoids the "insufficient progress" stops that the
#: defaults hit on about 10% of random instances of these SDPs.
_CLARABEL_ATTEMPTS = tuple(
    {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol, **extra}
    for tol, extra in (
        (1e-10, {"static_regularization_constant": 1e-7}),
        (1e-9, {"static_regularization_constant": 1e-6}),
        (1e-8, {"static_regularization_constant": 1e-6, "max_step_fraction": 0.9}),
    )
)
_SCS_ATTEMPTS = ({"eps": 1e-9, "max_iters": 200_000},)


def as_coeffs(coeffs: object) -> tuple[float, float, float]:
    r"""Validate the activation coefficients :math:`(a, b, c)` of :math:`a t^2 + b t + c`."""
    try:
        values = tuple(float(v) for v in coeffs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"coeffs must be three numbers (a, b, c), got {coeffs!r}") from exc
    if len(values) != 3:
        raise ValueError(f"coeffs must be three numbers (a, b, c), got {len(values)} of them")
    if not all(np.isfinite(values)):
        raise ValueError(f"coeffs must be finite, got {coeffs!r}")
    if not any(values):
        raise ValueError("coeffs are all zero: the activation sigma = 0 fits nothing")
    return values


def activation(t: np.ndarray, coeffs: tuple[float, float, float]) -> np.ndarray:
    r""":math:`\sigma(t) = a t^2 + b t + c`, elementwise."""
    a, b, c = coeffs
    return a * t * t + b * t + c


@dataclass(frozen=True)
class PolynomialNetwork:
    r"""A two-layer network :math:`f(x) = \sum_j \alpha_j\,\sigma(w_j^\top x)` with
    :math:`\sigma(t) = a t^2 + b t + c`, unit-norm rows :math:`w_j` (``first_layer``, shape
    (m, d)) and output weights :math:`\alpha` (``output``, shape (m,)).

    Its training objective is :math:`\tfrac12\|f(X) - y\|^2 + \beta\|\alpha\|_1`
    (:meth:`objective`). Rows are checked to have unit norm (to within 1e-9).
    """

    first_layer: np.ndarray
    output: np.ndarray
    coeffs: tuple[float, float, float]

    def __post_init__(self) -> None:
        W = np.asarray(self.first_layer, dtype=np.float64)
        alpha = np.asarray(self.output, dtype=np.float64)
        if W.ndim != 2 or alpha.shape != (W.shape[0],):
            raise ValueError(
                f"first_layer must have shape (m, d) and output shape (m,), got {W.shape} "
                f"and {alpha.shape}"
            )
        norms = np.linalg.norm(W, axis=1)
        if not np.allclose(norms, 1.0, rtol=0.0, atol=1e-9):
            raise ValueError(f"first-layer rows must have unit l2 norm, got norms {norms}")
        object.__setattr__(self, "first_layer", W)
        object.__setattr__(self, "output", alpha)
        object.__setattr__(self, "coeffs", as_coeffs(self.coeffs))

    @property
    def width(self) -> int:
        """Number of neurons m."""
        return self.output.shape[0]

    def units(self, X: object) -> np.ndarray:
        r"""Hidden outputs :math:`\sigma(x_n^\top w_j)`, shape (N, m)."""
        values = as_data(X, min_samples=1).values
        if values.shape[1] != self.first_layer.shape[1]:
            raise ValueError(
                f"the network takes {self.first_layer.shape[1]}-dimensional inputs, got X with "
                f"{values.shape[1]}"
            )
        return activation(values @ self.first_layer.T, self.coeffs)

    def predict(self, X: object) -> np.ndarray:
        r"""Network output :math:`f(x)` at each row of ``X``."""
        return self.units(X) @ self.output

    def penalty(self) -> float:
        r""":math:`\|\alpha\|_1`."""
        return float(np.sum(np.abs(self.output)))

    def objective(self, X: object, y: object, beta: float) -> float:
        r"""Training objective :math:`\tfrac12\|f(X) - y\|_2^2 + \beta\|\alpha\|_1`."""
        prediction = self.predict(X)
        residual = prediction - as_labels(y, prediction.shape[0])
        return float(0.5 * residual @ residual + as_beta(beta) * self.penalty())


@dataclass(frozen=True)
class DualCertificate:
    r"""A dual point of the SDP and the lower bound it proves.

    ``v`` is the residual :math:`y - \hat y` of the SDP solution; ``rho`` the multipliers
    :math:`(\rho_+, \rho_-)` maximising the smallest eigenvalues ``min_eigenvalues`` of the
    LMIs :math:`S_{+1}(\rho_+)`, :math:`S_{-1}(\rho_-)`. Since
    :math:`\|(u, 1)\|^2 = 2`, :math:`\sup_{\|u\|=1}|v^\top\sigma(Xu)| \le` ``correlation_bound``
    :math:`= \beta - 2\min(0, \lambda_{\min})`; the scaled point
    :math:`v' = v\min(1, \beta/\text{correlation\_bound})` is dual feasible, and
    ``lower_bound`` :math:`= v'^\top y - \tfrac12\|v'\|^2` is at most the objective of *every*
    unit-norm network of any width. ``gap`` is the SDP objective minus ``lower_bound``.
    """

    v: np.ndarray
    rho: tuple[float, float]
    min_eigenvalues: tuple[float, float]
    correlation_bound: float
    lower_bound: float
    gap: float


@dataclass(frozen=True)
class SDPSolution:
    r"""Solution of the Bartan-Pilanci SDP.

    ``Z``, ``Z_neg``: the optimal blocks :math:`Z, Z'`; ``objective``: the SDP objective
    :math:`\tfrac12\|\hat y - y\|^2 + \beta(Z_4 + Z'_4)` at them; ``network``: the neurons
    extracted by the rank-one decomposition (its :meth:`~PolynomialNetwork.objective` equals
    ``objective`` up to the solver's accuracy); ``certificate``: the dual bound.
    """

    X: np.ndarray
    y: np.ndarray
    beta: float
    coeffs: tuple[float, float, float]
    Z: np.ndarray
    Z_neg: np.ndarray
    objective: float
    network: PolynomialNetwork
    solver: str

    @property
    def fitted(self) -> np.ndarray:
        r""":math:`\hat y` of the SDP solution."""
        return _lifted_prediction(self.X, self.Z - self.Z_neg, self.coeffs)

    def predict(self, X: object) -> np.ndarray:
        """The SDP's fitted function at new points (same as ``network.predict`` up to rounding)."""
        values = as_data(X, min_samples=1).values
        if values.shape[1] != self.X.shape[1]:
            raise ValueError(
                f"the SDP was fitted to {self.X.shape[1]}-dimensional inputs, got X with "
                f"{values.shape[1]}"
            )
        return _lifted_prediction(values, self.Z - self.Z_neg, self.coeffs)

    @cached_property
    def certificate(self) -> DualCertificate:
        """The dual certificate built from the residual (see :class:`DualCertificate`)."""
        return dual_certificate(
            self.X, self.y, self.beta, self.coeffs, self.y - self.fitted, objective=self.objective
        )

    def __repr__(self) -> str:
        return (
            f"SDPSolution(objective={self.objective:.10g}, beta={self.beta:g}, "
            f"neurons={self.network.width}, coeffs={self.coeffs}, solver={self.solver!r})"
        )


def _lifted_prediction(
    X: np.ndarray, M: np.ndarray, coeffs: tuple[float, float, float]
) -> np.ndarray:
    r""":math:`a\,x^\top M_1 x + b\,x^\top M_2 + c\,M_4` for each row (M = Z - Z')."""
    a, b, c = coeffs
    d = X.shape[1]
    return a * np.einsum("ni,ij,nj->n", X, M[:d, :d], X) + b * X @ M[:d, d] + c * M[d, d]


def _solve_sdp(X, y, beta, coeffs, solver):
    name = solver.upper()
    if name not in ("CLARABEL", "SCS"):
        raise ValueError(f"solver must be 'clarabel' or 'scs', got {solver!r}")
    if name not in cp.installed_solvers():
        raise ValueError(f"solver {solver!r} is not installed; available: {cp.installed_solvers()}")
    a, b, c = coeffs
    d = X.shape[1]
    Z = cp.Variable((d + 1, d + 1), PSD=True)
    Zn = cp.Variable((d + 1, d + 1), PSD=True)
    M = Z - Zn
    fitted = a * cp.sum(cp.multiply(X @ M[:d, :d], X), axis=1) + b * (X @ M[:d, d]) + c * M[d, d]
    constraints = [cp.trace(Z[:d, :d]) == Z[d, d], cp.trace(Zn[:d, :d]) == Zn[d, d]]
    problem = cp.Problem(
        cp.Minimize(0.5 * cp.sum_squares(fitted - y) + beta * (Z[d, d] + Zn[d, d])), constraints
    )
    statuses = []
    for options in _CLARABEL_ATTEMPTS if name == "CLARABEL" else _SCS_ATTEMPTS:
        try:
            with warnings.catch_warnings():
                # an inaccurate status leads to the next attempt or to SolverError below
                warnings.filterwarnings("ignore", message="Solution may be inaccurate")
                problem.solve(solver=name, **options)
        except cp.error.SolverError as exc:
            statuses.append(f"error ({exc})")
            continue
        if problem.status == cp.OPTIMAL and Z.value is not None:
            return _symmetric(Z.value), _symmetric(Zn.value)
        statuses.append(repr(problem.status))
    raise SolverError(
        f"{name} returned {', '.join(statuses)} for the quadratic-activation SDP "
        f"(N={X.shape[0]}, d={d}, beta={beta:g}); refusing an inaccurate answer"
    )


def _symmetric(M: np.ndarray) -> np.ndarray:
    M = np.asarray(M, dtype=np.float64)
    return 0.5 * (M + M.T)


def null_decomposition(Z: np.ndarray, threshold: float = 0.0) -> list[np.ndarray]:
    r"""Sturm-Zhang rank-one decomposition :math:`Z = \sum_j \tilde y_j \tilde y_j^\top` with
    :math:`\tilde y_j^\top G\,\tilde y_j = 0`, :math:`G = \operatorname{diag}(I_d, -1)`.

    ``Z`` must be PSD with :math:`\langle G, Z\rangle = 0` (``tr Z_1 = Z_4``); eigenvalues
    ``<= threshold`` are dropped (solver noise). Starting from the factors
    :math:`p_i = \sqrt{\lambda_i}e_i`, a factor :math:`p_1` that is not G-null is paired with a
    factor :math:`p_j` of opposite G-norm; the plane :math:`p_1 \wedge p_j` then has signature
    (1, 1) and contains the null vector :math:`\tilde y = (p_1 + t p_j)/\sqrt{1+t^2}`, the
    root of :math:`(p_1 + t p_j)^\top G (p_1 + t p_j) = 0` taken by the code of Bartan &
    Pilanci; :math:`p_1, p_j` are replaced by the single factor
    :math:`(p_j - t p_1)/\sqrt{1+t^2}`, which keeps the sum of outer products. The result has
    as many vectors as eigenvalues were kept, and the last one is G-null because the G-norms of
    the remaining factors still sum to :math:`\langle G, Z\rangle = 0`.
    """
    eigenvalues, vectors = np.linalg.eigh(_symmetric(Z))
    factors = [
        vectors[:, i] * np.sqrt(eigenvalues[i])
        for i in np.flatnonzero(eigenvalues > max(threshold, 0.0))
    ]
    G = np.ones(Z.shape[0])
    G[-1] = -1.0

    def g_form(p: np.ndarray, q: np.ndarray) -> float:
        return float(np.sum(G * p * q))

    result = []
    while len(factors) > 1:
        p1 = factors[0]
        g1 = g_form(p1, p1)
        partners = [j for j in range(1, len(factors)) if g1 * g_form(factors[j], factors[j]) < 0]
        if not partners:  # p1 is G-null up to rounding
            result.append(factors.pop(0))
            continue
        j = max(partners, key=lambda k: abs(g_form(factors[k], factors[k])))
        pj = factors[j]
        gj, g1j = g_form(pj, pj), g_form(p1, pj)
        t = (-g1j + np.sqrt(g1j * g1j - g1 * gj)) / gj
        scale = np.sqrt(1.0 + t * t)
        result.append((p1 + t * pj) / scale)
        factors = [(pj - t * p1) / scale] + [f for k, f in enumerate(factors) if k not in (0, j)]
    return result + factors


def extract_network(
    Z: np.ndarray,
    Z_neg: np.ndarray,
    coeffs: tuple[float, float, float],
    threshold: float = 0.0,
    merge_tol: float = 1e-7,
) -> PolynomialNetwork:
    r"""Neurons of an SDP solution (:func:`null_decomposition` of each block).

    A null factor :math:`\tilde y = (p, q)` of ``Z`` gives the neuron :math:`w = p/q`,
    :math:`\alpha = +q^2`; one of ``Z_neg`` gives :math:`\alpha = -q^2`. Since
    :math:`\|p\| = |q|` up to the solver's rounding, :math:`w` is taken as
    :math:`\operatorname{sign}(q)\,p/\|p\|` (exactly unit norm). Neurons of one block with
    the same feature are then merged (weights added): :math:`\|w_i - w_j\| \le` ``merge_tol``,
    or :math:`w_i \approx -w_j` when :math:`b = 0` (even activation; the split of
    :math:`(u, 0)(u, 0)^\top + (0, 1)(0, 1)^\top` into :math:`(\pm u, 1)` halves is typical
    there). At most ``rank Z + rank Z_neg`` :math:`\le 2(d+1)` neurons.
    """
    even = coeffs[1] == 0
    rows, weights = [], []
    for block, sign in ((Z, 1.0), (Z_neg, -1.0)):
        start = len(rows)
        for vector in null_decomposition(block, threshold):
            p, q = vector[:-1], vector[-1]
            w = (1.0 if q >= 0 else -1.0) * p / np.linalg.norm(p)
            for k in range(start, len(rows)):
                flip = -1.0 if even and np.linalg.norm(rows[k] + w) <= merge_tol else 1.0
                if np.linalg.norm(rows[k] - flip * w) <= merge_tol:
                    total = weights[k] + sign * q * q
                    merged = weights[k] * rows[k] + sign * q * q * flip * w
                    rows[k], weights[k] = merged / np.linalg.norm(merged), total
                    break
            else:
                rows.append(w)
                weights.append(sign * q * q)
    first_layer = np.array(rows) if rows else np.zeros((0, Z.shape[0] - 1))
    return PolynomialNetwork(first_layer, np.array(weights), coeffs)


def dual_certificate(
    X: np.ndarray,
    y: np.ndarray,
    beta: float,
    coeffs: tuple[float, float, float],
    v: np.ndarray,
    objective: float,
) -> DualCertificate:
    r"""Certify the dual point ``v`` (see :class:`DualCertificate`).

    For each sign :math:`s` the multiplier :math:`\rho` maximises the concave function
    :math:`\lambda_{\min}(S_s(\rho))` (bounded Brent search around the interval
    :math:`[\lambda_{\max}(s\,a\,X^\top\operatorname{diag}(v)X),\ \beta - s\,c\,\mathbf
    1^\top v]` outside which a diagonal entry is negative).
    """
    a, b, c = coeffs
    d = X.shape[1]
    K = X.T @ (v[:, None] * X)
    h = X.T @ v
    G = np.ones(d + 1)
    G[-1] = -1.0
    rhos, minima = [], []
    for s in (1.0, -1.0):
        base = np.zeros((d + 1, d + 1))
        base[:d, :d] = -s * a * K
        base[:d, d] = base[d, :d] = -s * 0.5 * b * h
        base[d, d] = beta - s * c * v.sum()

        def smallest(rho: float, base: np.ndarray = base) -> float:
            return float(np.linalg.eigvalsh(base + rho * np.diag(G))[0])

        low = float(np.linalg.eigvalsh(s * a * K)[-1])
        high = float(beta - s * c * v.sum())
        span = abs(high - low) + 1.0
        found = minimize_scalar(
            lambda rho, f=smallest: -f(rho),
            bounds=(min(low, high) - span, max(low, high) + span),
            method="bounded",
            options={"xatol": 1e-13 * max(1.0, span)},
        )
        rhos.append(float(found.x))
        minima.append(smallest(found.x))
    bound = beta - 2.0 * min(0.0, *minima)
    scaled = v * min(1.0, beta / bound) if bound > 0 else np.zeros_like(v)
    lower = float(scaled @ y - 0.5 * scaled @ scaled)
    return DualCertificate(
        v=v,
        rho=(rhos[0], rhos[1]),
        min_eigenvalues=(minima[0], minima[1]),
        correlation_bound=float(bound),
        lower_bound=lower,
        gap=float(objective - lower),
    )


def sdp_fit(
    X: object,
    y: object,
    beta: float,
    coeffs: tuple[float, float, float] = RELU_SURROGATE,
    solver: str = "clarabel",
    tol: float = 1e-7,
) -> SDPSolution:
    r"""Globally optimal two-layer network with activation :math:`a t^2 + b t + c`.

    Solves the Bartan-Pilanci SDP (module docstring) for the objective
    :math:`\tfrac12\|\sum_j\alpha_j\sigma(Xw_j) - y\|^2 + \beta\|\alpha\|_1` over unit-norm
    rows :math:`w_j` (``beta > 0``; at :math:`\beta = 0` the infimum need not be attained) and
    extracts the neurons by the rank-one decomposition (:func:`extract_network`). Eigenvalues of
    :math:`Z, Z'` below ``tol`` times :math:`2\,\text{objective}/\beta` (an upper bound on
    :math:`\operatorname{tr} Z + \operatorname{tr} Z' = 2(Z_4 + Z'_4)`) are dropped as solver
    noise; at an optimum, removing such a tiny neuron changes the objective only to second
    order. ``coeffs`` defaults to
    :data:`RELU_SURROGATE`; ``solver`` is ``"clarabel"`` (default; tolerances 1e-10, then 1e-9,
    then 1e-8 until the status is OPTIMAL) or ``"scs"`` (eps 1e-9). If no attempt ends OPTIMAL,
    :class:`SolverError` is raised.
    """
    values = as_data(X, min_samples=1).values
    labels = as_labels(y, values.shape[0])
    beta = as_beta(beta)
    if beta == 0:
        raise ValueError("beta must be > 0 for the quadratic-activation SDP")
    coeffs = as_coeffs(coeffs)
    if not 0 < tol < 1:
        raise ValueError(f"tol must lie in (0, 1), got {tol!r}")
    Z, Z_neg = _solve_sdp(values, labels, beta, coeffs, solver)
    d = values.shape[1]
    residual = _lifted_prediction(values, Z - Z_neg, coeffs) - labels
    objective = float(0.5 * residual @ residual + beta * (Z[d, d] + Z_neg[d, d]))
    return SDPSolution(
        X=values,
        y=labels,
        beta=beta,
        coeffs=coeffs,
        Z=Z,
        Z_neg=Z_neg,
        objective=objective,
        network=extract_network(Z, Z_neg, coeffs, tol * 2.0 * objective / beta),
        solver=solver.upper(),
    )
