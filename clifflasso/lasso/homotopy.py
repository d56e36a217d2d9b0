r"""The Lasso solution path by homotopy in floating point (LARS with the Lasso modification).

On the centred problem :math:`\min_z \tfrac12\|Az - y\|_2^2 + \beta\|z\|_1` the solution is
piecewise linear in :math:`\beta` (Osborne, Presnell & Turlach 2000; Efron et al. 2004). With
active set :math:`S`, signs :math:`s_S` and correlations :math:`c = A^\top(y - Az)`, the KKT
conditions :math:`c_S = \beta s_S`, :math:`|c_j| \le \beta` hold along

.. math::

    z_S(\beta - t) = z_S(\beta) + t\,d_S, \qquad A_S^\top A_S\, d_S = s_S, \qquad
    c(\beta - t) = c(\beta) - t\,A^\top A_S d_S,

until the next event: an inactive column reaching :math:`|c_j| = \beta - t` joins :math:`S`, or
an active coefficient reaching zero leaves it. Grid values of :math:`\beta` between two events are
read off the segment exactly, so one sweep from :math:`\beta_{\max}` gives the whole grid.

Dictionaries of this package contain exact linear dependencies (e.g. :math:`(x-a)_+ - (a-x)_+ =
x - a`, constant after centring with any other such pair). A column lying in the span of the
active columns keeps :math:`|c_j| = \beta` while :math:`S` only grows and is never needed, so it
is held back (the Cholesky update detects it) until a column leaves :math:`S`. The exact,
tie-proof version over the rationals is :mod:`clifflasso.lasso.exact_homotopy`; the solver
registry (:mod:`clifflasso.lasso.solvers`) refines every answer on its support and checks its
duality gap.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from threadpoolctl import threadpool_limits

from clifflasso.lasso.errors import SolverError

#: a joining column whose squared distance to the active span is below this fraction of its
#: squared norm counts as lying in that span
SPAN_TOLERANCE = 1e-10


class HomotopyError(SolverError):
    """The floating-point homotopy broke down (too many events or a singular active set)."""


class _ActiveSet:
    """Active columns with the Cholesky factor of their Gram matrix."""

    def __init__(self, A: np.ndarray, squared_norms: np.ndarray) -> None:
        self._A = A
        self._squared_norms = squared_norms
        self.indices: list[int] = []
        self.signs: list[float] = []
        self._factor = np.zeros((0, 0))

    def first_outside_span(self, order: np.ndarray) -> tuple[int, tuple[np.ndarray, float]]:
        """Position in ``order`` of the first column outside the active span, with its new
        Cholesky row; position ``len(order)`` (and no row) if all lie in the span."""
        k = len(self.indices)
        if k == 0:
            return 0, (np.zeros(0), float(np.sqrt(self._squared_norms[order[0]])))
        cross = self._A[:, self.indices].T @ self._A[:, order]
        W = solve_triangular(self._factor, cross, lower=True, check_finite=False)
        remainders = self._squared_norms[order] - np.einsum("ij,ij->j", W, W)
        outside = np.flatnonzero(remainders > SPAN_TOLERANCE * self._squared_norms[order])
        if outside.size == 0:
            return len(order), None
        first = int(outside[0])
        return first, (W[:, first], float(np.sqrt(remainders[first])))

    def add(self, j: int, sign: float, row: tuple[np.ndarray, float]) -> None:
        k = len(self.indices)
        factor = np.zeros((k + 1, k + 1))
        factor[:k, :k] = self._factor
        factor[k, :k], factor[k, k] = row
        self._factor = factor
        self.indices.append(j)
        self.signs.append(sign)

    def remove(self, position: int) -> None:
        del self.indices[position]
        del self.signs[position]
        columns = self._A[:, self.indices]
        try:
            self._factor = (
                cholesky(columns.T @ columns, lower=True) if self.indices else np.zeros((0, 0))
            )
        except np.linalg.LinAlgError as exc:
            raise HomotopyError("the active Gram matrix became singular") from exc

    def direction(self) -> np.ndarray:
        r""":math:`d_S = (A_S^\top A_S)^{-1} s_S`."""
        return cho_solve((self._factor, True), np.asarray(self.signs), check_finite=False)


def lasso_homotopy(
    A: np.ndarray, y: np.ndarray, betas: np.ndarray, *, max_events: int | None = None
) -> np.ndarray:
    r"""Coefficients ``(len(betas), P)`` of the centred Lasso at every ``beta`` (module
    docstring), from one sweep of the homotopy down to ``min(betas)``.

    Raises :class:`HomotopyError` after ``max_events`` joins and leaves (default
    :math:`20\,(N + P) + 100`) or on a singular active set.
    """
    # one BLAS thread: the sweep is a chain of small products, which threads only slow down
    with threadpool_limits(limits=1, user_api="blas"):
        return _sweep(A, y, betas, max_events)


def _sweep(A: np.ndarray, y: np.ndarray, betas: np.ndarray, max_events: int | None) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    betas = np.asarray(betas, dtype=np.float64)
    n_samples, n_columns = A.shape
    out = np.zeros((betas.size, n_columns))
    if n_columns == 0 or betas.size == 0:
        return out
    squared_norms = np.einsum("ij,ij->j", A, A)
    usable = squared_norms > 1e-24 * max(float(squared_norms.max()), 1e-300)
    held_back = ~usable
    correlations = A.T @ y
    usable_sizes = np.abs(np.where(usable, correlations, 0.0))
    first = int(np.argmax(usable_sizes))
    beta = float(usable_sizes[first])
    pending = [int(k) for k in np.argsort(-betas) if betas[k] < beta]
    if not pending or beta == 0:
        return out
    max_events = max_events if max_events is not None else 20 * (n_samples + n_columns) + 100
    active = _ActiveSet(A, squared_norms)
    in_active = np.zeros(n_columns, dtype=bool)
    z = np.zeros(n_columns)
    active.add(first, float(np.sign(correlations[first])), active.first_outside_span([first])[1])
    in_active[first] = True
    left = -1
    for _ in range(max_events):
        d = active.direction()
        index = np.asarray(active.indices, dtype=np.intp)
        g = A.T @ (A[:, index] @ d)
        # events: an inactive column reaching the boundary, an active coefficient reaching 0
        with np.errstate(divide="ignore", invalid="ignore"):
            upper = np.where(g < 1.0, (beta - correlations) / (1.0 - g), np.inf)
            lower = np.where(g > -1.0, (beta + correlations) / (1.0 + g), np.inf)
            to_zero = -z[index] / d
        candidates = np.maximum(np.minimum(upper, lower), 0.0)
        candidates[in_active | held_back] = np.inf
        if left >= 0:
            candidates[left] = np.inf
        # (empty for a moment when the last active column has just left)
        to_zero = np.where(to_zero > 0, to_zero, np.inf)
        leaving = int(np.argmin(to_zero)) if to_zero.size else -1
        step_leave = float(to_zero[leaving]) if to_zero.size else np.inf
        joining, row = -1, None
        while True:  # the first joining column outside the active span (the span is fixed)
            limit = min(step_leave, beta)
            batch = np.argpartition(candidates, min(32, n_columns - 1))[:32]
            batch = batch[np.argsort(candidates[batch])]
            batch = batch[candidates[batch] < limit]
            if batch.size == 0:
                break
            position, row = active.first_outside_span(batch)
            held_back[batch[:position]] = True
            candidates[batch[:position]] = np.inf
            if position < batch.size:
                joining = int(batch[position])
                break
        step = min(float(candidates[joining]) if joining >= 0 else np.inf, step_leave, beta)
        while pending and betas[pending[0]] >= beta - step:
            k = pending.pop(0)
            out[k, index] = z[index] + (beta - betas[k]) * d
        if not pending:
            return out
        z[index] += step * d
        correlations -= step * g
        beta -= step
        left = -1
        if joining >= 0:
            active.add(joining, float(np.sign(correlations[joining])), row)
            in_active[joining] = True
        else:
            j = active.indices[leaving]
            z[j] = 0.0
            in_active[j] = False
            active.remove(leaving)
            held_back = ~usable  # columns held back as in-span may be needed again
            left = j
    raise HomotopyError(f"the homotopy did not reach beta = {betas.min():g} in {max_events} events")
