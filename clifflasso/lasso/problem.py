r"""The Lasso problem every solver works on, and its duality gap.

The user's problem, with optional sample weights :math:`\omega_n > 0`, is

.. math::

    \min_{z,\xi}\ \tfrac12\sum_n \omega_n\,(A_n z + \xi - y_n)^2 + \beta\|z\|_1 .

The unpenalised intercept is eliminated by weighted centring
(:math:`\bar a = \omega^\top A/\mathbf 1^\top\omega`, :math:`\bar y` likewise,
:math:`\xi = \bar y - \bar a^\top z`), the weights by the row scaling
:math:`\sqrt{\omega_n}`; what is left is the plain Lasso

.. math::

    \min_z\ \tfrac12\|A_c z - y_c\|_2^2 + \beta\|z\|_1,\qquad
    A_c = \sqrt{\omega}\,(A - \mathbf 1\bar a^\top),\ y_c = \sqrt{\omega}\,(y - \bar y).

:class:`LassoProblem` also divides :math:`A_c` and :math:`y_c` by powers of two close to their
norms, :math:`A_c = a\tilde A`, :math:`y_c = c\,\tilde y`, so every solver sees numbers of
order one: :math:`z = (c/a)\tilde z`, :math:`\beta = a c\,\tilde\beta` and the objective is
:math:`c^2` times the scaled one. Scaling by powers of two is exact in floating point, so the
answer does not depend on the units of :math:`x` and :math:`y`.

**Duality gap.** For a residual :math:`r = y_c - A_c z` the point
:math:`\lambda = s\,r`, :math:`s = \min(1, \beta/\|A_c^\top r\|_\infty)`, is dual feasible
(:math:`\mathbf 1^\top\lambda = 0` holds by the centring) with dual value
:math:`\lambda^\top y_c - \tfrac12\|\lambda\|^2`. Substituting :math:`y_c = A_c z + r` gives
the gap in a form without cancellation between large terms,

.. math::

    \text{gap} = \tfrac12(1 - s)^2\|r\|^2 + \sum_j |z_j|\,\bigl(\beta - s\,c_j\,
    \mathrm{sign}(z_j)\bigr),\qquad c = A_c^\top r,

a sum of nonnegative terms, so a small gap is computed to full relative accuracy. Solvers
report it *relative to the primal objective itself*, never to :math:`\tfrac12\|y\|^2`.
"""

from __future__ import annotations

import math

import numpy as np


def duality_gaps(
    residuals: np.ndarray,
    z: np.ndarray,
    correlations: np.ndarray,
    betas: np.ndarray,
) -> np.ndarray:
    r"""Duality gaps (module docstring) of rows of coefficients ``z`` (one per beta) with
    residuals :math:`r = y_c - A_c z` and correlations :math:`c = A_c^\top r`."""
    residuals, z, correlations = (np.atleast_2d(a) for a in (residuals, z, correlations))
    betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
    tops = np.max(np.abs(correlations), axis=1) if correlations.shape[1] else np.zeros(len(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(tops > betas, betas / tops, 1.0)
    squared = np.einsum("ij,ij->i", residuals, residuals)
    slack = np.abs(z) * betas[:, None] - s[:, None] * correlations * z
    return 0.5 * (1.0 - s) ** 2 * squared + np.sum(slack, axis=1)


def gap_from_top(
    residual: np.ndarray, z_support: np.ndarray, c_support: np.ndarray, beta: float, top: float
) -> float:
    r"""The same gap when only :math:`\|c\|_\infty` (``top``) and the support's correlations
    are known (streamed passes)."""
    s = beta / top if top > beta else 1.0
    slack = float(np.sum(np.abs(z_support) * beta - s * c_support * z_support))
    return 0.5 * (1.0 - s) ** 2 * float(residual @ residual) + slack


def primal_objectives(residuals: np.ndarray, z: np.ndarray, betas: np.ndarray) -> np.ndarray:
    r""":math:`\tfrac12\|r\|^2 + \beta\|z\|_1` per row."""
    residuals, z = np.atleast_2d(residuals), np.atleast_2d(z)
    betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
    return 0.5 * np.einsum("ij,ij->i", residuals, residuals) + betas * np.abs(z).sum(axis=1)


def relative_gaps(A: np.ndarray, y: np.ndarray, Z: np.ndarray, betas) -> np.ndarray:
    r"""Duality gaps of the centred Lasso at the rows of ``Z`` relative to each row's primal
    objective (0 where the objective is 0)."""
    Z = np.atleast_2d(np.asarray(Z, dtype=np.float64))
    betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
    residuals = y[None, :] - Z @ A.T
    correlations = residuals @ A
    gaps = duality_gaps(residuals, Z, correlations, betas)
    primal = primal_objectives(residuals, Z, betas)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(primal > 0, gaps / primal, 0.0)


def _power_of_two(value: float) -> float:
    """The power of two nearest to ``value`` (1 for 0 or non-finite values)."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    return math.ldexp(1.0, round(math.log2(value)))


class LassoProblem:
    r"""A weighted Lasso with intercept, reduced to the centred, scaled form of the module
    docstring.

    Parameters
    ----------
    A : (N, P) dictionary values at the data.  y : (N,) labels.
    intercept : whether an unpenalised intercept :math:`\xi` is fitted.
    weights : optional sample weights :math:`\omega_n > 0` of the squared loss.

    ``matrix`` and ``target`` are :math:`\tilde A` and :math:`\tilde y`; :meth:`scaled_beta`,
    :meth:`coefficients` and :meth:`scaled_coefficients` convert between the two forms.
    """

    def __init__(
        self,
        A: np.ndarray,
        y: np.ndarray,
        *,
        intercept: bool = True,
        weights: np.ndarray | None = None,
    ) -> None:
        A = np.asarray(A, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.intercept = intercept
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        if intercept:
            mass = self.weights if self.weights is not None else np.ones(y.shape[0])
            total = float(mass.sum())
            self.column_means = (mass @ A) / total if A.shape[1] else np.zeros(0)
            self.label_mean = float(mass @ y) / total
        else:
            self.column_means = np.zeros(A.shape[1])
            self.label_mean = 0.0
        centred = A - self.column_means if intercept else A.copy()
        target = y - self.label_mean
        if self.weights is not None:
            root = np.sqrt(self.weights)
            centred *= root[:, None]
            target = target * root
        norms = np.sqrt(np.einsum("ij,ij->j", centred, centred)) if A.shape[1] else np.zeros(0)
        self.a_scale = _power_of_two(float(norms.max(initial=0.0)))
        self.y_scale = _power_of_two(float(np.linalg.norm(target)))
        centred /= self.a_scale
        self.matrix = centred
        self.target = target / self.y_scale

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def beta_scale(self) -> float:
        """:math:`a c`: a beta of the scaled problem times this is a beta of the user's."""
        return self.a_scale * self.y_scale

    @property
    def beta_max(self) -> float:
        r""":math:`\|A_c^\top y_c\|_\infty`, the smallest beta whose solution is z = 0."""
        if not self.matrix.shape[1]:
            return 0.0
        return float(np.max(np.abs(self.matrix.T @ self.target))) * self.beta_scale

    def scaled_beta(self, beta: float) -> float:
        return beta / self.beta_scale

    def coefficients(self, z_scaled: np.ndarray) -> np.ndarray:
        """User coefficients from those of the scaled problem."""
        return z_scaled * (self.y_scale / self.a_scale)

    def scaled_coefficients(self, z: np.ndarray) -> np.ndarray:
        return z * (self.a_scale / self.y_scale)

    def intercept_of(self, z: np.ndarray) -> float:
        r""":math:`\xi = \bar y - \bar a^\top z` (0 without intercept)."""
        if not self.intercept:
            return 0.0
        return self.label_mean - float(self.column_means @ z)

    def objective(self, z: np.ndarray, beta: float) -> float:
        """The user's objective at ``z`` (with the optimal intercept)."""
        z_scaled = self.scaled_coefficients(z)
        residual = self.target - self.matrix @ z_scaled
        value = 0.5 * float(residual @ residual) + self.scaled_beta(beta) * float(
            np.abs(z_scaled).sum()
        )
        return value * self.y_scale**2

    def relative_gap(self, z: np.ndarray, beta: float) -> float:
        """Duality gap at ``z`` relative to the objective (scale free)."""
        return float(
            relative_gaps(
                self.matrix, self.target, self.scaled_coefficients(z), self.scaled_beta(beta)
            )[0]
        )


#: extended precision for residuals (80-bit on x86-64; equal to float64 on some platforms)
EXTENDED = np.longdouble


def support_residuals(
    A_S: np.ndarray, y: np.ndarray, z_S: np.ndarray, beta: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Residuals in extended precision on a support: that of ``z_S`` itself,
    :math:`r = y - A_S z_S`, and :math:`r^* = y - A_S z^*` of the sign-fixed KKT solution
    :math:`z^*` (:mod:`clifflasso.lasso.refine`) refined in extended precision; :math:`r^*`
    is the dual point of :func:`precise_gap` (``r`` again if the signs of :math:`z^*` differ).
    """
    from clifflasso.lasso.refine import kkt_solve_extended

    A_e, y_e = A_S.astype(EXTENDED), y.astype(EXTENDED)
    residual = y_e - A_e @ z_S.astype(EXTENDED)
    if beta <= 0 or A_S.shape[1] == 0:
        return residual, residual
    z_star = kkt_solve_extended(A_S, y, z_S, beta)
    if z_star is None:
        return residual, residual
    return residual, y_e - A_e @ z_star


def precise_gap(
    A_S: np.ndarray,
    z_S: np.ndarray,
    y: np.ndarray,
    beta: float,
    top_others: float,
    residuals: tuple[np.ndarray, np.ndarray],
) -> tuple[float, float, float, np.ndarray]:
    r"""``(gap, objective, top, support correlations)`` of ``z`` (support values ``z_S``,
    columns ``A_S``) with the dual point :math:`\lambda = s\,r^*` of
    :func:`support_residuals`.

    For any dual-feasible :math:`\lambda` and :math:`r = y - Az`,

    .. math::

        P(z) - D(\lambda) = \tfrac12\|r - \lambda\|^2 + \sum_j \bigl(\beta|z_j| -
        (A_j^\top\lambda)\, z_j\bigr),

    evaluated in extended precision; ``top_others`` bounds :math:`|A_j^\top r^*|` over the
    columns outside ``A_S``. The gap of the KKT residual does not suffer from the rounding of
    ``z_S`` to float64, so a relative gap of :math:`10^{-12}` is reachable even when the fit is
    nearly exact.
    """
    residual, dual = residuals
    c_support = A_S.astype(EXTENDED).T @ dual
    top = max(float(top_others), float(np.max(np.abs(c_support), initial=0.0)))
    s = beta / top if top > beta else 1.0
    z_e = z_S.astype(EXTENDED)
    difference = residual - s * dual
    slack = np.sum(np.abs(z_e) * beta - s * c_support * z_e)
    gap = 0.5 * float(difference @ difference) + float(slack)
    objective = 0.5 * float(residual @ residual) + beta * float(np.abs(z_e).sum())
    return max(gap, 0.0), objective, top, c_support.astype(np.float64)
