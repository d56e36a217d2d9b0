r"""A solution of the Lasso over a dictionary, with its rebuilt network.

.. math::

    \min_{z,\xi}\ \tfrac12\sum_n \omega_n (A_n z + \xi - y_n)^2 + \beta\|z\|_1

(:math:`\omega = 1` unless sample weights are given). The intercept :math:`\xi` is the
(weighted) mean of :math:`y - Az` when the architecture has an output bias, 0 otherwise.

**Active units.** A float solver leaves coefficients at the level of its rounding where the
exact optimum has zeros. A coefficient is *active* when
:math:`|z_j| > \tau\,\|z\|_\infty` with :math:`\tau =` :data:`ACTIVE_TOLERANCE`
(:math:`10^{-7}`: above the rounding left by a solve checked to a relative duality gap of
:math:`10^{-12}`, below any coefficient that changes the fit visibly). Every count, printout,
export and plot uses :attr:`LassoSolution.active` (exact solutions: the nonzero
coefficients); :meth:`LassoSolution.pruned` is the solution with the inactive coefficients set
to zero, its intercept and objective recomputed. ``support`` (every nonzero coefficient),
``network`` and the certificates keep the solver's answer as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from clifflasso import _display
from clifflasso.lasso.problem import LassoProblem
from clifflasso.lasso.rationalise import RationalSolution, rationalise

if TYPE_CHECKING:
    import sympy as sp

#: Relative threshold of an active coefficient: :math:`|z_j| > \tau\,\|z\|_\infty`.
ACTIVE_TOLERANCE = 1e-7


def active_columns(z: np.ndarray) -> np.ndarray:
    r"""Indices of the active coefficients of the float vector ``z``: :math:`|z_j| >`
    :data:`ACTIVE_TOLERANCE` :math:`\cdot\|z\|_\infty`."""
    magnitude = np.abs(z)
    if magnitude.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(magnitude > ACTIVE_TOLERANCE * magnitude.max())


def sample_weights(sample_weight, n_samples: int) -> np.ndarray | None:
    """Validated sample weights (finite, positive, one per sample), or None."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},), got {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
        raise ValueError("sample_weight must hold finite positive numbers")
    return weights


def beta_max(A: np.ndarray, y: np.ndarray, intercept: bool = True, weights=None) -> float:
    r""":math:`\beta_{\max} = \|A_c^\top y_c\|_\infty`: the smallest beta with solution z = 0."""
    return LassoProblem(A, y, intercept=intercept, weights=weights).beta_max


@dataclass
class LassoSolution:
    r"""A solution of the Lasso over a dictionary.

    ``z`` and ``intercept`` solve the problem, ``objective`` is
    :math:`\tfrac12\sum_n\omega_n(A_n z + \xi - y_n)^2 + \beta\|z\|_1` evaluated at them,
    ``network`` the rebuilt network, whose nonconvex training objective equals ``objective``.
    ``info`` holds solver details (method, relative duality gap, passes of a streamed solve).
    """

    z: np.ndarray
    intercept: float
    dictionary: object
    y: np.ndarray
    beta: float
    beta_max: float
    method: str
    weights: np.ndarray | None = None
    objective: float = field(init=False)
    info: dict = field(init=False, default_factory=dict)

    @classmethod
    def from_coefficients(
        cls,
        D,
        y: np.ndarray,
        z: np.ndarray,
        beta: float,
        beta_max: float,
        method: str,
        weights: np.ndarray | None = None,
    ) -> LassoSolution:
        r"""The solution with coefficients ``z`` and the optimal intercept
        :math:`\xi = \overline{y - Az}` (weighted mean; 0 without an output bias)."""
        xi = 0.0
        if D.arch.output_bias:
            residual = y - D.matrix @ z
            xi = float(np.average(residual, weights=weights))
        return cls(
            z=z,
            intercept=xi,
            dictionary=D,
            y=y,
            beta=beta,
            beta_max=beta_max,
            method=method,
            weights=weights,
        )

    def __post_init__(self) -> None:
        residual = self.fitted - self.y
        squared = residual * residual if self.weights is None else self.weights * residual**2
        self.objective = float(0.5 * squared.sum() + self.beta * self.l1_norm)

    @property
    def l1_norm(self) -> float:
        return float(np.sum(np.abs(self.z)))

    @property
    def fitted(self) -> np.ndarray:
        r""":math:`Az + \xi\mathbf 1`."""
        return self.dictionary.matrix @ self.z + self.intercept

    @property
    def support(self) -> np.ndarray:
        """Indices of the nonzero coefficients."""
        return np.flatnonzero(self.z)

    @property
    def active(self) -> np.ndarray:
        """Indices of the active coefficients (module docstring: above
        :data:`ACTIVE_TOLERANCE` relative to the largest)."""
        return active_columns(self.z)

    def pruned(self) -> LassoSolution:
        """This solution with its inactive coefficients set to zero, the intercept and the
        objective recomputed (``self`` when every nonzero coefficient is active)."""
        active = self.active
        if active.size == self.support.size:
            return self
        z = np.zeros_like(self.z)
        z[active] = self.z[active]
        pruned = LassoSolution.from_coefficients(
            self.dictionary, self.y, z, self.beta, self.beta_max, self.method, self.weights
        )
        pruned.info.update(self.info)
        return pruned

    @cached_property
    def network(self):
        """The rebuilt network, one unit per nonzero coefficient."""
        support = self.support
        return self.dictionary.family.rebuild(
            self.dictionary.table.take(support), self.z[support], self.intercept
        )

    def predict(self, X: object) -> np.ndarray:
        """The fitted function at new points (through the dictionary's kernel)."""
        return self.dictionary.evaluate(X) @ self.z + self.intercept

    @cached_property
    def rationalised(self) -> RationalSolution | None:
        """The exact rational solution this float solution rounds, when the data are rational
        and its rationalisation passes the exact KKT check
        (:func:`clifflasso.lasso.rationalise.rationalise`); None otherwise."""
        return rationalise(self)

    @cached_property
    def formula(self) -> sp.Expr:
        r""":math:`f(x) = \xi + \sum_{j\ \mathrm{active}} z_j F_j(x)` as a sympy expression:
        exact fractions when :attr:`rationalised` exists, sympy Floats otherwise."""
        import sympy as sp

        D = self.dictionary
        active = [int(j) for j in self.active]
        x = (
            sp.symbols(f"x_1:{D.data.dim + 1}", real=True)
            if D.family.vector_input
            else sp.Symbol("x", real=True)
        )
        features = D.expressions(x, columns=active)
        exact = self.rationalised
        if exact is not None:
            coefficients = [
                sp.Rational(exact.z[j].numerator, exact.z[j].denominator) for j in active
            ]
            intercept = sp.Rational(exact.intercept.numerator, exact.intercept.denominator)
        else:
            coefficients = [sp.Float(self.z[j], 10) for j in active]
            intercept = sp.Float(self.intercept, 10)
        return intercept + sp.Add(*(c * f for c, f in zip(coefficients, features)))

    def _repr_html_(self) -> str:
        exact = self.rationalised
        D = self.dictionary
        rows = [
            _display.dictionary_row(D),
            (
                "β",
                _display.text(_display.number(self.beta))
                + f" (β<sub>max</sub> = {_display.number(self.beta_max, 6)})",
            ),
            (
                "objective",
                _display.text(
                    _display.number(self.objective)
                    + (f" (exactly {exact.objective})" if exact is not None else "")
                ),
            ),
            (
                "active units",
                _display.text(f"{self.active.size} (|z_j| > {ACTIVE_TOLERANCE:g}·‖z‖∞)"),
            ),
            ("‖z‖₁", _display.text(_display.number(self.l1_norm))),
            ("ξ (output bias)", _display.text(_display.number(self.intercept))),
            ("method", _display.text(self.method)),
        ]
        if "gap" in self.info:
            rows.append(("relative duality gap", _display.text(f"{self.info['gap']:.2g}")))
        if exact is not None:
            rows.append(
                ("exact", _display.text("rationalised coefficients pass the exact KKT check"))
            )
        footer = ""
        if self.active.size <= _display.MAX_FORMULA_TERMS:
            footer = _display.formula_block("f(x)", self.formula)
        return _display.table("LassoSolution", rows, footer)

    def __repr__(self) -> str:
        return (
            f"LassoSolution(objective={self.objective:.10g}, beta={self.beta:g}, "
            f"active={self.active.size}, l1_norm={self.l1_norm:.6g}, method={self.method!r})"
        )
