r"""Quadratic students against a quadratic teacher under Gaussian data.

**Metric**. For :math:`x \sim N(0, I_n)` every
expectation of a polynomial follows from the moments :math:`E[x_i^k] = (k-1)!!` (:math:`k`
even, else 0) of independent coordinates (:func:`expectation`, "moment substitution"). It gives

.. math::

    E[(x^\top A x)(x^\top B x)] = 2\operatorname{tr}(AB) + \operatorname{tr}A\,\operatorname{tr}B,

    E[(a\cdot x)^d (b\cdot x)^d] = \sum_{k \equiv d\ (2)} \binom dk (d+k-1)!!\,(d-k-1)!!\;
    c^k\,w^{d-k},\qquad c = a\cdot b,\ w = |a\wedge b| = \sqrt{\|a\|^2\|b\|^2 - c^2}

(the *wedge form*: in a frame with :math:`a = (\|a\|, 0)`, :math:`b = (c, w)/\|a\|`; for
:math:`d = 2` it reads :math:`3c^2 + w^2 = \|a\|^2\|b\|^2 + 2c^2`).

**Landscape** (Arjevani, Bruna, Kileel, Polak & Trager, *Geometry and optimization of
shallow polynomial networks*, arXiv 2501.06074, whose full text was not available: the
statements below are derived and verified here). The student with ``width`` :math:`r` is
:math:`f(x) = \sum_{k=1}^r \alpha_k (w_k\cdot x)^2 = x^\top A x`,
:math:`A = \sum_k \alpha_k w_k w_k^\top` (free :math:`w_k \in \mathbb{R}^n`,
:math:`\alpha_k \in \mathbb{R}`), the teacher :math:`x^\top T x` with
:math:`T = \sum_i \lambda_i v_i v_i^\top`, distinct eigenvalues. For an isotropic metric
:math:`L(A) = c_1\|A - T\|_F^2 + c_2(\operatorname{tr}(A - T))^2` (Gaussian:
:math:`(c_1, c_2) = (2, 1)` and :math:`L = E[(f - f^*)^2]`; Frobenius: :math:`(1, 0)`):

* the critical points are, up to the symmetries of the parametrisation,
  :math:`A_S = \sum_{i\in S}\kappa_i v_i v_i^\top` for :math:`|S| \le r`, with
  :math:`\kappa_i = \lambda_i + \mu_S \ne 0` and
  :math:`\mu_S = c_2\sum_{j\notin S}\lambda_j / (c_1 + c_2|S|)` (Gaussian:
  :math:`\sum_{j\notin S}\lambda_j/(|S| + 2)`; Frobenius: 0, Eckart-Young);
* at the representative :math:`w_i = v_i`, :math:`\alpha_i = \kappa_i` (:math:`i \in S`), dead
  neurons :math:`w = 0, \alpha = 0`, the Hessian in :math:`(W, \alpha)` is block diagonal: the
  coordinate of :math:`w_i` along :math:`v_j` (:math:`i \in S, j \notin S`) has curvature
  :math:`4c_1\kappa_i(\lambda_i - \lambda_j)`; the coordinates inside :math:`S` carry
  :math:`|S|(|S|+1)/2` positive eigenvalues and as many zeros (the symmetries); the dead neurons
  only zeros. So the index is :math:`\#\{(i, j) \in S\times S^c : \kappa_i(\lambda_i -
  \lambda_j) < 0\}`. Rescaling a neuron, :math:`(w, \alpha) \mapsto (tw, \alpha/t^2)`, is a
  linear change of coordinates, so by Sylvester's law every point of the orbit has the same
  inertia.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

Metric = Literal["gaussian", "frobenius"]

#: :math:`(c_1, c_2)` of :math:`L = c_1\|A - T\|_F^2 + c_2(\operatorname{tr}(A - T))^2`.
METRICS: dict[str, tuple[int, int]] = {"gaussian": (2, 1), "frobenius": (1, 0)}

#: Symbols of the wedge form: :math:`c = a\cdot b` and :math:`w = |a\wedge b|`.
DOT = sp.Symbol("c", real=True)
WEDGE = sp.Symbol("w", nonnegative=True)


def gaussian_moment(k: int) -> int:
    r""":math:`E[x^k]` for :math:`x \sim N(0, 1)`: :math:`(k-1)!!` for even :math:`k`, else 0."""
    if k < 0:
        raise ValueError(f"moment order must be >= 0, got {k}")
    return 0 if k % 2 else math.prod(range(k - 1, 0, -2))


def expectation(
    expr: sp.Expr,
    variables: Sequence[sp.Symbol],
    moment: Callable[[int], sp.Expr | int] = gaussian_moment,
) -> sp.Expr:
    r"""Expectation of a polynomial in ``variables``, i.i.d. with moments ``moment(k)``.

    Each monomial :math:`\prod_i x_i^{k_i}` is replaced by :math:`\prod_i` ``moment``
    :math:`(k_i)` (moment substitution); coefficients may contain other symbols.
    """
    poly = sp.Poly(sp.expand(expr), *variables)
    return sp.expand(
        sum(
            coefficient * sp.Mul(*(moment(k) for k in powers))
            for powers, coefficient in poly.terms()
        )
    )


def quadratic_pairing(
    A: sp.MatrixBase, B: sp.MatrixBase, moment: Callable[[int], sp.Expr | int] = gaussian_moment
) -> sp.Expr:
    r""":math:`E[(x^\top A x)(x^\top B x)]` by moment substitution (``A``, ``B`` square sympy
    matrices of the same size, entries may be symbolic)."""
    A, B = sp.Matrix(A), sp.Matrix(B)
    if not A.is_square or A.shape != B.shape:
        raise ValueError(f"A and B must be square of the same size, got {A.shape} and {B.shape}")
    x = sp.Matrix(sp.symbols(f"x1:{A.shape[0] + 1}", real=True))
    return expectation((x.T * A * x)[0, 0] * (x.T * B * x)[0, 0], list(x), moment)


def gaussian_metric(A: sp.MatrixBase | ArrayLike, B: sp.MatrixBase | ArrayLike) -> sp.Expr | float:
    r"""Closed form :math:`\langle A, B\rangle_G = 2\operatorname{tr}(AB) + \operatorname{tr}A
    \operatorname{tr}B` of :math:`E[(x^\top Ax)(x^\top Bx)]` for symmetric ``A``, ``B`` (sympy
    matrices give a sympy expression, arrays a float)."""
    if isinstance(A, sp.MatrixBase) or isinstance(B, sp.MatrixBase):
        A, B = sp.Matrix(A), sp.Matrix(B)
        return sp.expand(2 * (A * B).trace() + A.trace() * B.trace())
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    return float(2.0 * np.sum(A * B.T) + np.trace(A) * np.trace(B))


def rank_one_pairing(a: Sequence[sp.Expr], b: Sequence[sp.Expr], degree: int) -> sp.Expr:
    r""":math:`E[(a\cdot x)^d (b\cdot x)^d]`, :math:`x \sim N(0, I_n)`, by moment substitution."""
    if len(a) != len(b) or not len(a):
        raise ValueError("a and b must be nonempty vectors of the same length")
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    x = sp.symbols(f"x1:{len(a) + 1}", real=True)
    ax = sum(ai * xi for ai, xi in zip(a, x))
    bx = sum(bi * xi for bi, xi in zip(b, x))
    return expectation(ax**degree * bx**degree, x)


def wedge_pairing(degree: int) -> sp.Expr:
    r"""Wedge form of :math:`E[(a\cdot x)^d (b\cdot x)^d]` in :data:`DOT` :math:`c = a\cdot b`
    and :data:`WEDGE` :math:`w = |a\wedge b|`.

    Derived, not typed in: by rotation invariance take :math:`a = (s, 0)`,
    :math:`b = (c/s, w/s)` (then :math:`a\cdot b = c` and :math:`|a\wedge b| = w`), compute the
    expectation by moment substitution and observe that :math:`s` cancels.
    """
    s = sp.Symbol("s", positive=True)
    result = sp.expand(rank_one_pairing([s, 0], [DOT / s, WEDGE / s], degree))
    if result.has(s):  # rotation invariance would be violated
        raise AssertionError(f"the wedge form depends on the frame: {result}")
    return result


def _exact_number(value: object) -> sp.Rational:
    if isinstance(value, bool):
        raise ValueError("T must be numeric, got a boolean")
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise ValueError("T contains NaN or infinite values")
        exact = Fraction(float(value))
        return sp.Rational(exact.numerator, exact.denominator)
    if isinstance(value, sp.Basic) and value.is_Rational:
        return value
    raise ValueError(f"T must have rational (or float) entries, got {value!r}")


def as_teacher(T: object) -> sp.Matrix:
    """Validate a symmetric teacher matrix with rational entries (ints, Fractions, sympy
    Rationals, or floats, taken at their exact binary value) as a sympy matrix."""
    rows = np.asarray(T.tolist() if isinstance(T, sp.MatrixBase) else T, dtype=object)
    if rows.ndim != 2 or rows.shape[0] != rows.shape[1] or rows.shape[0] == 0:
        raise ValueError(f"T must be a nonempty square matrix, got shape {rows.shape}")
    matrix = sp.Matrix([[_exact_number(v) for v in row] for row in rows])
    if not (matrix - matrix.T).is_zero_matrix:
        raise ValueError("T must be symmetric")
    return matrix


def _eigen(T: sp.Matrix) -> tuple[tuple[sp.Expr, ...], list[sp.Matrix], list[sp.Matrix]]:
    r"""Exact eigenvalues (descending), unit eigenvectors and spectral projectors.

    The eigenvalues are the real roots of the characteristic polynomial :math:`\chi` over
    :math:`\mathbb{Q}`: rationals, quadratic surds or ``CRootOf`` numbers. The projector onto the
    eigenvector of :math:`\lambda` is :math:`P = q(T, \lambda)/\chi'(\lambda)` with
    :math:`q(t, s) = (\chi(t) - \chi(s))/(t - s)` (so :math:`q(t, \lambda) =
    \prod_{\lambda_j\ne\lambda}(t - \lambda_j)`); each entry is reduced modulo the minimal
    polynomial of :math:`\lambda`, which keeps it a polynomial of low degree in :math:`\lambda`.
    The unit eigenvector is the column :math:`k` of :math:`P` with the largest diagonal entry
    divided by :math:`\sqrt{P_{kk}}`.
    """
    n = T.shape[0]
    t, s = sp.symbols("t s")  # T is numeric, so no clash (charpoly ignores Dummy names)
    chi = sp.Poly(T.charpoly(t).as_expr(), t)
    if chi.gcd(chi.diff(t)).degree() > 0:
        raise ValueError(
            "T has a repeated eigenvalue: the critical points are then a continuum (a "
            "Grassmannian), not a finite list; distinct eigenvalues required"
        )
    quotient = sp.Poly(sp.cancel((chi.as_expr() - chi.as_expr().subs(t, s)) / (t - s)), t)
    powers = [sp.eye(n)]
    for _ in range(n - 1):
        powers.append(powers[-1] * T)
    numerator = sum(
        (powers[k] * coefficient for (k,), coefficient in quotient.terms()), sp.zeros(n, n)
    )
    eigenvalues = tuple(reversed(chi.all_roots()))
    projectors, vectors = [], []
    for value in eigenvalues:
        minimal = sp.minimal_polynomial(value, s, polys=True)
        inverse = sp.invert(chi.as_expr().diff(t).subs(t, s), minimal.as_expr(), s)

        def reduce(entry: sp.Expr, inverse=inverse, minimal=minimal, value=value) -> sp.Expr:
            remainder = sp.Poly(entry * inverse, s).rem(minimal)
            return sp.expand(remainder.as_expr().subs(s, value))

        P = numerator.applyfunc(reduce)
        k = max(range(n), key=lambda m, P=P: float(sp.N(P[m, m], 30)))
        projectors.append(P)
        vectors.append((P[:, k] / sp.sqrt(P[k, k])).applyfunc(sp.radsimp))
    return eigenvalues, vectors, projectors


def _is_zero(value: sp.Expr) -> bool:
    """Exact for rationals; for algebraic numbers decided at 50 significant digits."""
    if value.is_Rational:
        return value == 0
    return abs(sp.N(value, 50)) < sp.Float("1e-40", 50)


def _sign(value: sp.Expr) -> int:
    """Sign of a nonzero real number (exact for rationals, else at 30 significant digits)."""
    if value.is_Rational:
        return int(sp.sign(value))
    return 1 if sp.N(value, 30) > 0 else -1


@dataclass(frozen=True)
class CriticalPoint:
    r"""One critical point of :math:`L(W, \alpha) = c_1\|A - T\|_F^2 + c_2(\operatorname{tr}
    (A - T))^2`, :math:`A = \sum_k \alpha_k w_k w_k^\top` (Gaussian: :math:`E[(f - f^*)^2]`).

    ``support``: the kept eigen-indices :math:`S` (into ``eigenvalues``, which are descending);
    ``shift`` :math:`\mu_S`; ``kappa``: :math:`\kappa_i = \lambda_i + \mu_S` for
    :math:`i \in S`; ``matrix``: :math:`A_S` (exact); ``loss``: :math:`L(A_S)` (exact);
    ``first_layer`` (``width`` x n) and ``output``: a parameter representative, rows
    :math:`w_i = v_i` (exact unit eigenvectors of :math:`T`) with :math:`\alpha_i = \kappa_i`,
    zero rows and weights for dead neurons;
    ``signature``: (positive, negative, zero) eigenvalue counts of the Hessian in
    :math:`(W, \alpha)` at that representative; ``kind``: ``"global minimum"``,
    ``"local minimum"`` (spurious), ``"saddle"`` (index > 0) or ``"degenerate saddle"``
    (index 0 but rank deficient with :math:`\nabla_A L \ne 0`: a dead neuron
    :math:`w = \delta v_j`, :math:`\alpha\kappa_j > 0` lowers the loss at third order).
    """

    support: tuple[int, ...]
    eigenvalues: tuple[sp.Expr, ...]
    shift: sp.Expr
    kappa: tuple[sp.Expr, ...]
    matrix: sp.Matrix
    loss: sp.Expr
    first_layer: sp.Matrix
    output: tuple[sp.Expr, ...]
    signature: tuple[int, int, int]
    kind: str
    metric: str

    @property
    def index(self) -> int:
        """Hessian index: the number of negative eigenvalues."""
        return self.signature[1]

    @property
    def parameters(self) -> tuple[sp.Expr, ...]:
        r"""The representative as :math:`\theta = (w_1, \dots, w_r, \alpha)` (rows of
        ``first_layer`` flattened, then ``output``)."""
        return tuple(self.first_layer) + self.output

    @property
    def rank(self) -> int:
        """:math:`|S|`, the rank of ``matrix``."""
        return len(self.support)

    def __repr__(self) -> str:
        kept = ", ".join(str(self.eigenvalues[i]) for i in self.support)
        return (
            f"CriticalPoint(kept=[{kept}], loss={self.loss}, index={self.index}, "
            f"kind={self.kind!r}, metric={self.metric!r})"
        )


#: Default limit of :func:`critical_points` on its estimated running time (seconds).
MAX_SECONDS = 60.0

#: Estimated seconds per support are :data:`_SECONDS_PER_UNIT` times :data:`_GROWTH` to the
#: power ``d``, the largest degree of an irreducible factor of the characteristic polynomial
#: (the degree of the eigenvalues as algebraic numbers). Fitted to runs on random integer
#: teachers (n = 3..6, one irreducible factor), block-diagonal and diagonal ones; within a
#: factor of about 3.
_SECONDS_PER_UNIT = 1.4e-3
_GROWTH = 3.2


def _support_count(n: int, width: int) -> int:
    r"""Number of supports :math:`S \subseteq \{1..n\}` with :math:`|S| \le` ``width``."""
    return sum(math.comb(n, k) for k in range(min(width, n) + 1))


def _estimated_seconds(supports: int, degree: int) -> float:
    """Rough running time of :func:`critical_points`: the exact spectral decomposition and one
    exact matrix, loss and sign pattern per support, in algebraic numbers of ``degree``."""
    growth = _GROWTH ** min(max(degree, 1), 500)
    return _SECONDS_PER_UNIT * growth * (min(supports, 10**300) + 2.5)


def critical_points_cost(T: object, width: int) -> tuple[int, int, float]:
    """What :func:`critical_points` would compute, before computing it: the number of supports
    (one candidate critical point each), the largest degree of an irreducible factor of the
    characteristic polynomial of ``T`` (1: rational eigenvalues; the exact algebra grows about
    3-fold per degree) and the estimated running time in seconds (order of magnitude only).

    Costs a characteristic polynomial and its factorisation over the rationals.
    """
    if isinstance(width, bool) or int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    teacher = as_teacher(T)
    n = teacher.shape[0]
    supports = _support_count(n, int(width))
    t = sp.Symbol("t")
    factors = sp.factor_list(teacher.charpoly(t).as_expr(), t)[1]
    degree = max((sp.Poly(f, t).degree() for f, _ in factors), default=1)
    return supports, degree, _estimated_seconds(supports, degree)


def _check_cost(teacher: sp.Matrix, width: int, max_seconds: float | None) -> None:
    """Refuse (``ValueError``, one line naming the size) when the estimate is above
    ``max_seconds``; the cheap support count is checked before the characteristic polynomial."""
    if max_seconds is None:
        return
    n = teacher.shape[0]
    supports = _support_count(n, width)

    def refuse(seconds: float, note: str) -> None:
        raise ValueError(
            f"critical points of a {n}x{n} teacher with width {width}: {supports:,} supports "
            f"{note}, estimated {seconds:.3g} s of exact algebra, above max_seconds="
            f"{max_seconds:g}; use a smaller teacher or width, or pass max_seconds=None"
        )

    lowest = _estimated_seconds(supports, 1)
    if lowest > max_seconds:
        refuse(lowest, "even with rational eigenvalues")
    _, degree, seconds = critical_points_cost(teacher, width)
    if seconds > max_seconds:
        note = (
            "with rational eigenvalues"
            if degree == 1
            else f"with eigenvalues of algebraic degree {degree}"
        )
        refuse(seconds, note)


def critical_points(
    T: object, width: int, metric: Metric = "gaussian", *, max_seconds: float | None = MAX_SECONDS
) -> list[CriticalPoint]:
    r"""All critical points (up to symmetries) of the width-``width`` quadratic student against
    the teacher ``T`` under ``metric`` (``"gaussian"`` or ``"frobenius"``), sorted by loss.

    One point per :math:`S \subseteq \{1..n\}`, :math:`|S| \le` ``width``, with every
    :math:`\kappa_i \ne 0` (a zero :math:`\kappa_i` repeats the point of :math:`S\setminus\{i\}`).
    ``T`` needs rational entries and distinct eigenvalues (else :class:`ValueError`). Exact
    arithmetic throughout: rational eigenvalues give rational matrices and losses; otherwise
    the eigenvalues are quadratic surds or ``CRootOf`` numbers and signs, ties and zero
    :math:`\kappa_i` are decided at 30-50 significant digits. The loss is the closed form
    :math:`c_1(\sum_{j\notin S}\lambda_j^2 + |S|\mu_S^2) + c_2(|S|\mu_S -
    \sum_{j\notin S}\lambda_j)^2` (tests check it against the matrix and against sampling).

    The work grows with the number of supports and, about 3-fold per degree, with the degree
    of the eigenvalues as algebraic numbers (a generic 6x6 teacher of width 6: 64 supports in
    degree 6, minutes). It is estimated first (:func:`critical_points_cost`, a characteristic
    polynomial) and a problem estimated above ``max_seconds`` seconds is refused with a
    ``ValueError`` naming its size; ``max_seconds=None`` runs anything.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)}, got {metric!r}")
    if isinstance(width, bool) or int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    width = int(width)
    teacher = as_teacher(T)
    _check_cost(teacher, width, max_seconds)
    n = teacher.shape[0]
    c1, c2 = METRICS[metric]
    eigenvalues, vectors, projectors = _eigen(teacher)
    found = []
    for size in range(min(width, n) + 1):
        for support in itertools.combinations(range(n), size):
            rest = [j for j in range(n) if j not in support]
            discarded = sum((eigenvalues[j] for j in rest), sp.Integer(0))
            shift = sp.Rational(c2, c1 + c2 * size) * discarded
            kappa = tuple(eigenvalues[i] + shift for i in support)
            if any(_is_zero(k) for k in kappa):
                continue
            matrix = sum((k * projectors[i] for i, k in zip(support, kappa)), sp.zeros(n, n))
            # A_S - T = mu_S on S and -lambda_j off S (in the eigenbasis)
            squares = sum((eigenvalues[j] ** 2 for j in rest), sp.Integer(0))
            loss = c1 * (squares + size * shift**2) + c2 * (size * shift - discarded) ** 2
            signs = [
                _sign(k * (eigenvalues[i] - eigenvalues[j]))
                for i, k in zip(support, kappa)
                for j in rest
            ]
            positive = size * (size + 1) // 2 + signs.count(1)
            negative = signs.count(-1)
            rows = [vectors[i].T for i in support] + [sp.zeros(1, n)] * (width - size)
            found.append(
                dict(
                    support=support,
                    eigenvalues=eigenvalues,
                    shift=shift,
                    kappa=kappa,
                    matrix=matrix.applyfunc(sp.expand),
                    loss=sp.expand(loss),
                    first_layer=sp.Matrix.vstack(*rows),
                    output=kappa + (sp.Integer(0),) * (width - size),
                    signature=(positive, negative, width * (n + 1) - positive - negative),
                    metric=metric,
                )
            )
    values = [sp.N(point["loss"], 30) for point in found]
    best = min(values)
    points = []
    for point, value in zip(found, values):
        size = len(point["support"])
        if point["signature"][1] > 0:
            kind = "saddle"
        elif abs(value - best) <= sp.Float(1e-20, 30) * max(1, abs(best)):
            kind = "global minimum"
        elif size == width or size == n:
            kind = "local minimum"
        else:
            kind = "degenerate saddle"
        points.append(CriticalPoint(kind=kind, **point))
    return sorted(points, key=lambda p: (float(sp.N(p.loss, 30)), p.support))


def gaussian_critical_points(
    T: object, width: int, *, max_seconds: float | None = MAX_SECONDS
) -> list[CriticalPoint]:
    r"""Critical points of :math:`E_{x\sim N(0,I)}[(f(x) - x^\top T x)^2]` for the quadratic
    student of width ``width`` (:func:`critical_points` with ``metric="gaussian"``; problems
    estimated above ``max_seconds`` seconds are refused before the exact algebra starts)."""
    return critical_points(T, width, "gaussian", max_seconds=max_seconds)


def _student(first_layer: ArrayLike, output: ArrayLike, T: ArrayLike, metric: str):
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)}, got {metric!r}")
    W = np.asarray(first_layer, dtype=np.float64)
    alpha = np.asarray(output, dtype=np.float64).ravel()
    T = np.asarray(T, dtype=np.float64)
    if W.ndim != 2 or alpha.shape != (W.shape[0],) or T.shape != (W.shape[1], W.shape[1]):
        raise ValueError(
            f"need first_layer (r, n), output (r,), T (n, n); got {W.shape}, {alpha.shape}, "
            f"{T.shape}"
        )
    c1, c2 = METRICS[metric]
    D = W.T @ (alpha[:, None] * W) - T
    gradient_A = 2.0 * c1 * D + 2.0 * c2 * np.trace(D) * np.eye(T.shape[0])
    return W, alpha, D, gradient_A, c1, c2


def student_loss(
    first_layer: ArrayLike, output: ArrayLike, T: ArrayLike, metric: Metric = "gaussian"
) -> float:
    r""":math:`L = c_1\|A - T\|_F^2 + c_2(\operatorname{tr}(A - T))^2` with
    :math:`A = \sum_k \alpha_k w_k w_k^\top` (rows :math:`w_k` of ``first_layer``)."""
    _, _, D, _, c1, c2 = _student(first_layer, output, T, metric)
    return float(c1 * np.sum(D * D) + c2 * np.trace(D) ** 2)


def student_gradient(
    first_layer: ArrayLike, output: ArrayLike, T: ArrayLike, metric: Metric = "gaussian"
) -> np.ndarray:
    r"""Gradient in :math:`\theta = (w_1, \dots, w_r, \alpha)`:
    :math:`\partial_{w_k} L = 2\alpha_k R w_k`, :math:`\partial_{\alpha_k} L = w_k^\top R w_k`,
    with :math:`R = \nabla_A L = 2c_1(A - T) + 2c_2\operatorname{tr}(A - T) I`."""
    W, alpha, _, R, _, _ = _student(first_layer, output, T, metric)
    return np.concatenate(
        [(2.0 * alpha[:, None] * (W @ R)).ravel(), np.einsum("ki,ij,kj->k", W, R, W)]
    )


def student_hessian(
    first_layer: ArrayLike, output: ArrayLike, T: ArrayLike, metric: Metric = "gaussian"
) -> np.ndarray:
    r"""Hessian in :math:`\theta = (w_1, \dots, w_r, \alpha)`.

    :math:`H = J^\top Q J + B`: :math:`J` the Jacobian of :math:`\theta \mapsto \operatorname{vec}
    A`, :math:`Q = 2c_1 I + 2c_2\operatorname{vec}(I)\operatorname{vec}(I)^\top` the Hessian of
    :math:`L` in :math:`A`, and :math:`B` the curvature of the parametrisation paired with
    :math:`R = \nabla_A L`: blocks :math:`2\alpha_k R` on :math:`(w_k, w_k)` and
    :math:`2Rw_k` on :math:`(w_k, \alpha_k)`.
    """
    W, alpha, _, R, c1, c2 = _student(first_layer, output, T, metric)
    r, n = W.shape
    size = r * n + r
    identity = np.eye(n)
    J = np.zeros((n * n, size))
    B = np.zeros((size, size))
    for k in range(r):
        block = slice(k * n, (k + 1) * n)
        for m in range(n):
            J[:, k * n + m] = (
                alpha[k] * (np.outer(identity[m], W[k]) + np.outer(W[k], identity[m])).ravel()
            )
        J[:, r * n + k] = np.outer(W[k], W[k]).ravel()
        B[block, block] = 2.0 * alpha[k] * R
        B[block, r * n + k] = B[r * n + k, block] = 2.0 * R @ W[k]
    Q = 2.0 * c1 * np.eye(n * n) + 2.0 * c2 * np.outer(identity.ravel(), identity.ravel())
    return J.T @ Q @ J + B


@dataclass(frozen=True)
class StudentPolynomial:
    r"""The loss as an exact polynomial in the parameters
    :math:`\theta = (w_{1,1}, \dots, w_{r,n}, \alpha_1, \dots, \alpha_r)` (``params``), with
    exact gradient and Hessian at exact points. Build it with :func:`student_polynomial`."""

    loss: sp.Poly
    params: tuple[sp.Symbol, ...]

    def _at(self, theta: Sequence[sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        if len(theta) != len(self.params):
            raise ValueError(f"theta needs {len(self.params)} entries, got {len(theta)}")
        return dict(zip(self.params, (sp.sympify(t) for t in theta)))

    def value(self, theta: Sequence[sp.Expr]) -> sp.Expr:
        """The loss at ``theta`` (exact)."""
        return sp.simplify(self.loss.eval(self._at(theta)))

    def gradient(self, theta: Sequence[sp.Expr]) -> list[sp.Expr]:
        """Exact gradient at ``theta``."""
        at = self._at(theta)
        return [sp.simplify(self.loss.diff(p).eval(at)) for p in self.params]

    def hessian(self, theta: Sequence[sp.Expr]) -> sp.Matrix:
        """Exact Hessian at ``theta``."""
        at = self._at(theta)
        first = [self.loss.diff(p) for p in self.params]
        return sp.Matrix([[sp.simplify(g.diff(q).eval(at)) for q in self.params] for g in first])


def student_polynomial(T: object, width: int, metric: Metric = "gaussian") -> StudentPolynomial:
    r"""The student loss as an exact polynomial in :math:`\theta` (:class:`StudentPolynomial`).

    For the Gaussian metric it is derived, not assumed: :math:`E[(x^\top D x)^2]` for a generic
    symmetric :math:`D` by moment substitution (:func:`quadratic_pairing`), then
    :math:`D = \sum_k\alpha_k w_k w_k^\top - T`. Frobenius: :math:`\operatorname{tr}(D^2)`.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)}, got {metric!r}")
    if int(width) != width or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    teacher = as_teacher(T)
    n, width = teacher.shape[0], int(width)
    W = sp.Matrix(width, n, lambda k, m: sp.Symbol(f"w{k + 1}_{m + 1}", real=True))
    alpha = sp.symbols(f"alpha1:{width + 1}", real=True)
    D = sum((alpha[k] * W[k, :].T * W[k, :] for k in range(width)), sp.zeros(n, n)) - teacher
    generic = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"d{min(i, j)}{max(i, j)}", real=True))
    if metric == "gaussian":
        pairing = quadratic_pairing(generic, generic)
    else:
        pairing = (generic * generic).trace()
    params = tuple(W) + tuple(alpha)
    loss = pairing.subs({generic[i, j]: D[i, j] for i in range(n) for j in range(n)})
    return StudentPolynomial(sp.Poly(sp.expand(loss), *params), params)


def inertia(H: sp.MatrixBase) -> tuple[int, int, int]:
    r"""Exact (positive, negative, zero) eigenvalue counts of a real symmetric matrix.

    Its characteristic polynomial has only real roots, so Descartes' rule of signs is exact:
    the positive roots are the sign changes of its coefficients, the negative ones those of
    :math:`p(-x)`, the zero root's multiplicity the number of trailing zero coefficients.
    """
    H = sp.Matrix(H)
    if not H.is_square or not (H - H.T).is_zero_matrix:
        raise ValueError("inertia needs a symmetric matrix")
    coefficients = H.charpoly().all_coeffs()
    zero = len(coefficients) - 1 - max(i for i, c in enumerate(coefficients) if c != 0)

    def changes(values: list[sp.Expr]) -> int:
        signs = [_sign(v) for v in values if v != 0]
        return sum(1 for s, t in zip(signs, signs[1:]) if s != t)

    degree = len(coefficients) - 1
    mirrored = [c * (-1) ** (degree - i) for i, c in enumerate(coefficients)]
    return changes(coefficients), changes(mirrored), zero
