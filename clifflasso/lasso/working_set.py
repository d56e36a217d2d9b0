r"""The working-set Lasso: solve on a few columns, add the columns that violate optimality.

On the centred problem :math:`\min_z \tfrac12\|A z - y\|_2^2 + \beta\|z\|_1` each pass

1. computes every correlation :math:`c = A^\top r` at the residual :math:`r = y - Az` (the
   columns may be streamed: they are only ever asked for through ``correlate``),
2. stops when the duality gap (:mod:`clifflasso.lasso.problem`) is at most ``tol`` times the
   primal objective,
3. otherwise adds the worst violators of :math:`|c_j| \le \beta` to the support and solves
   the Lasso on that small set (:func:`lasso_small`).

Small sets are solved by the floating-point homotopy (:mod:`clifflasso.lasso.homotopy`) and
refined on their support (:mod:`clifflasso.lasso.refine`); where that breaks down, by
scikit-learn's coordinate descent (its objective :math:`\tfrac{1}{2N}\|y - Az\|^2 + \alpha\|z\|_1`
is ours divided by :math:`N`, :math:`\alpha = \beta/N`), and as the last resort by Clarabel, whose
interior point an LP moves to a vertex with the same fit.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from tqdm import tqdm

from clifflasso.lasso.errors import SolverError
from clifflasso.lasso.homotopy import HomotopyError, lasso_homotopy
from clifflasso.lasso.problem import precise_gap, support_residuals
from clifflasso.lasso.refine import refine
from clifflasso.lasso.screening import Screen, summarize

#: relative duality gap every answer of the solver layer reaches (or a warning is raised)
TARGET_GAP = 1e-12


def coordinate_descent(
    A: np.ndarray,
    y: np.ndarray,
    beta: float,
    *,
    start: np.ndarray | None = None,
    tol: float = 1e-12,
    max_iter: int = 5_000,
) -> np.ndarray:
    """scikit-learn's Cython coordinate descent on the centred Lasso (warm start ``start``)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso

    model = Lasso(
        alpha=beta / A.shape[0],
        fit_intercept=False,
        tol=tol,
        max_iter=max_iter,
        warm_start=start is not None,
    )
    if start is not None:
        model.coef_ = np.array(start, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(A, y)
    return np.asarray(model.coef_, dtype=np.float64)


def interior_point(A: np.ndarray, y: np.ndarray, beta: float, solver: str = "clarabel"):
    """The Lasso by a cvxpy conic solver (tolerance ladder of :mod:`clifflasso.lasso.conic`)."""
    import cvxpy as cp

    from clifflasso.lasso.conic import solve_conic

    z = cp.Variable(A.shape[1])
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(A @ z - y) + beta * cp.norm1(z)))
    solve_conic(problem, solver, what=f"the Lasso (N={A.shape[0]}, P={A.shape[1]})")
    return np.asarray(z.value, dtype=np.float64)


#: largest N x (support size) measured exactly (FLINT) when extended precision is not enough
EXACT_MEASURE_ENTRIES = 200_000


def _summary(correlations, beta: float) -> Screen:
    return correlations if isinstance(correlations, Screen) else summarize(correlations, beta)


def _rest(summary: Screen) -> float:
    """The other columns' largest correlation as the solver's stopping test sees it: the float
    estimate when the screen has one (its rigorous bound is for certificates)."""
    return summary.rest_upper if summary.rest_correlation is None else summary.rest_correlation


def _merged(summary: Screen, positions: np.ndarray, values: np.ndarray):
    """Candidate columns and correlations with the working set's own (more precise) values."""
    outside = ~np.isin(summary.candidates, positions)
    top_others = max(
        _rest(summary), float(np.max(np.abs(summary.correlations[outside]), initial=0.0))
    )
    indices = np.concatenate([summary.candidates[outside], positions]).astype(np.int64)
    return indices, np.concatenate([summary.correlations[outside], values]), top_others


def _refined(summary: Screen, positions: np.ndarray, columns, dual: np.ndarray) -> Screen:
    """The screen with the correlations of its candidates outside the working set recomputed
    from their columns (a dot product, as for the working set's own columns), when there are at
    most :data:`POOL_SIZE`: a structured pass computes them from prefix sums, whose rounding is
    larger, and near-ties with beta are decided by these values."""
    if columns is None:
        return summary
    outside = np.flatnonzero(~np.isin(summary.candidates, positions))
    if outside.size == 0 or outside.size > POOL_SIZE:
        return summary
    correlations = summary.correlations.copy()
    for start in range(0, outside.size, POOL_CHUNK):
        chunk = outside[start : start + POOL_CHUNK]
        correlations[chunk] = columns(summary.candidates[chunk]).T @ dual
    return dataclasses.replace(summary, correlations=correlations)


def measure(
    correlate, A_W: np.ndarray, positions: np.ndarray, z_W: np.ndarray, y, beta, columns=None
):
    """``(candidates, correlations, gap, objective, top, noise)`` of coefficients ``z_W`` on the
    columns ``A_W`` (at ``positions`` of the full dictionary): residuals in extended precision
    (:func:`~clifflasso.lasso.problem.support_residuals`), the columns whose correlation at the
    KKT residual may reach beta (``correlate`` returns all correlations or a
    :class:`~clifflasso.lasso.screening.Screen`), the gap of
    :func:`~clifflasso.lasso.problem.precise_gap` (infinite after a coarse pass, which screens
    only some columns), and ``noise``, an estimate of the rounding
    error of a correlation (a violator must exceed beta by more). ``columns`` (the column
    source) recomputes the candidates' correlations from their columns (:func:`_refined`)."""
    residuals = support_residuals(A_W, y, z_W, beta)
    dual = residuals[1].astype(np.float64)
    summary = _refined(_summary(correlate(dual), beta), positions, columns, dual)
    outside = ~np.isin(summary.candidates, positions)
    top_others = max(
        _rest(summary), float(np.max(np.abs(summary.correlations[outside]), initial=0.0))
    )
    gap, objective, top, c_support = precise_gap(A_W, z_W, y, beta, top_others, residuals)
    candidates, correlations, _ = _merged(summary, positions, c_support)
    if not summary.complete:
        # a coarse pass exhibits violators but bounds nothing: no gap, and its largest
        # correlation is only a lower bound on the sup
        gap = np.inf
        top = float(np.max(np.abs(correlations), initial=0.0))
    scale = float(np.max(np.linalg.norm(A_W, axis=0), initial=0.0))
    extended_eps = float(np.finfo(np.longdouble).eps)
    noise = scale * (
        64 * extended_eps * float(np.linalg.norm(y))
        + 8 * (y.shape[0] + 2) * float(np.finfo(np.float64).eps) * float(np.linalg.norm(dual))
    )
    return candidates, correlations, gap, objective, top, noise


def exact_gap(
    correlate, A_W: np.ndarray, positions: np.ndarray, z_W: np.ndarray, y, beta, columns=None
):
    """The gap of :func:`measure` with the dual point computed in exact rational arithmetic
    (:func:`~clifflasso.lasso.rational.exact_kkt` on the support of ``z_W``), for nearly
    exact fits whose residual is too small for extended precision. Returns
    ``(gap, top, candidates, correlations)`` at that dual point."""
    import flint

    from clifflasso.lasso import rational

    support = np.flatnonzero(z_W)
    A = rational.matrix(A_W)
    Y = rational.column(y)
    b = rational.fmpq(beta)
    z_column = rational.column(z_W)
    own = Y - A * z_column
    dual = own
    active = support
    while active.size:
        # the KKT dual of the support; columns whose exact coefficient has the wrong sign (a
        # float coefficient that should be 0) are dropped and the system solved again
        kept, values, candidate = rational.exact_kkt(
            rational.submatrix(A, active.tolist()), Y, np.sign(z_W[active]).astype(int), b
        )
        wrong = [k for k, v in zip(kept, values) if v * int(np.sign(z_W[active[k]])) < 0]
        if not wrong:
            dual = candidate
            break
        active = np.delete(active, wrong)
    c_working = rational.entries(A.transpose() * dual)
    dual_float = np.array([float(v) for v in rational.entries(dual)])
    summary = _refined(_summary(correlate(dual_float), beta), positions, columns, dual_float)
    candidates, correlations, top_others = _merged(
        summary, positions, np.array([float(c) for c in c_working])
    )
    top = max(top_others, max((float(abs(c)) for c in c_working), default=0))
    s = b / rational.fmpq(top) if top > beta else flint.fmpq(1)
    difference = rational.entries(own - dual * s)
    gap = sum((d * d for d in difference), flint.fmpq(0)) / 2
    for j in support:
        zj = rational.fmpq(z_W[j])
        gap += abs(zj) * b - s * c_working[j] * zj
    return float(gap), top, candidates, correlations


def precise_relative_gap(A: np.ndarray, y: np.ndarray, z: np.ndarray, beta: float) -> float:
    """Relative precise gap of ``z`` over the dense ``A``."""
    correlate = lambda r: A.T @ r  # noqa: E731
    positions = np.arange(A.shape[1])
    _, _, gap, objective, _, _ = measure(correlate, A, positions, z, y, beta)
    if gap > TARGET_GAP * objective and A.shape[0] * np.count_nonzero(z) <= EXACT_MEASURE_ENTRIES:
        gap = min(gap, exact_gap(correlate, A, positions, z, y, beta)[0])
    return gap / objective if objective > 0 else 0.0


def lasso_small(
    A: np.ndarray, y: np.ndarray, beta: float, *, start: np.ndarray | None = None
) -> np.ndarray:
    """Coefficients of the centred Lasso over a small (working-set) dictionary: homotopy, then
    coordinate descent, then Clarabel (module docstring), each refined on its support; the
    first whose relative gap reaches :data:`TARGET_GAP` is returned, else the best one."""
    from clifflasso.lasso.interpolation import vertex_solution

    if A.shape[1] == 0:
        return np.zeros(0)
    best, best_gap = np.zeros(A.shape[1]), np.inf

    def consider(z: np.ndarray) -> bool:
        nonlocal best, best_gap
        z = refine(A, y, z, beta)
        gap = precise_relative_gap(A, y, z, beta)
        if gap < best_gap:
            best, best_gap = z, gap
        return best_gap <= TARGET_GAP

    try:
        if consider(lasso_homotopy(A, y, np.array([beta]))[0]):
            return best
    except HomotopyError:
        pass
    if consider(coordinate_descent(A, y, beta, start=start if start is not None else best)):
        return best
    try:
        dense = interior_point(A, y, beta)
    except SolverError:
        return best
    vertex = vertex_solution(A, A @ dense)
    if vertex is not None:
        support = np.flatnonzero(vertex)
        try:
            restricted = np.zeros(A.shape[1])
            restricted[support] = lasso_homotopy(A[:, support], y, np.array([beta]))[0]
            if consider(restricted):
                return best
        except HomotopyError:
            pass
        if consider(vertex):
            return best
    consider(dense)
    return best


#: violators whose centred columns are this close in direction to a chosen one are skipped
DIVERSITY_COSINE = 0.995
#: rows of the random sketch that compares directions (Johnson-Lindenstrauss)
SKETCH_ROWS = 128
#: most violators compared per pass, and columns evaluated at once while sketching
POOL_SIZE, POOL_CHUNK = 4096, 1024


def diverse_violators(violators: np.ndarray, columns, limit: int) -> np.ndarray:
    r"""At most ``limit`` of ``violators`` (sorted by decreasing :math:`|c_j|`), chosen greedily
    in that order, skipping a column whose direction is within
    :math:`|\cos| >` :data:`DIVERSITY_COSINE` of one already chosen. Neighbouring columns of a
    large family are nearly parallel and violate together; adding one of each group per pass
    spreads the working set over the whole fit, which needs several times fewer passes.

    Directions are compared through a Gaussian sketch :math:`S u` of the unit columns
    (:data:`SKETCH_ROWS` rows, :math:`S_{ij} \sim N(0, 1/k)`), which keeps
    :math:`\|u \mp v\|^2 = 2(1 \mp \cos)` within a small relative error with high probability
    (Johnson-Lindenstrauss), so the choice costs :math:`O(kN)` per violator, not a Gram matrix.
    The choice only orders the work: any choice gives the same optimum."""
    pool = violators[: min(8 * limit, POOL_SIZE)]
    if pool.size <= 1:
        return pool
    first = columns(pool[:1])
    sketch = np.random.default_rng(0).standard_normal((SKETCH_ROWS, first.shape[0]))
    sketch /= np.sqrt(SKETCH_ROWS)
    parts = []
    for start in range(0, pool.size, POOL_CHUNK):
        values = columns(pool[start : start + POOL_CHUNK])
        norms = np.linalg.norm(values, axis=0)
        parts.append(sketch @ (values / np.where(norms > 0, norms, 1.0)))
    sketched = np.concatenate(parts, axis=1)
    closest = 2.0 * (1.0 - DIVERSITY_COSINE)
    chosen = [0]
    kept = np.empty((SKETCH_ROWS, limit))
    kept[:, 0] = sketched[:, 0]
    for position in range(1, pool.size):
        if len(chosen) >= limit:
            break
        here = sketched[:, position : position + 1]
        so_far = kept[:, : len(chosen)]
        apart = np.minimum(((so_far - here) ** 2).sum(axis=0), ((so_far + here) ** 2).sum(axis=0))
        if apart.min() > closest:
            kept[:, len(chosen)] = here[:, 0]
            chosen.append(position)
    return pool[chosen]


def working_set_lasso(
    correlate,
    columns,
    target: np.ndarray,
    beta: float,
    *,
    tol: float = TARGET_GAP,
    max_passes: int = 200,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool = False,
):
    r"""Working-set Lasso on the centred problem with any column source (module docstring).

    ``correlate(residual)`` returns :math:`A^\top r` for every column, ``columns(indices)``
    the centred columns. Stops when the duality gap is at most ``tol`` times the primal
    objective. Returns ``(working indices, coefficients, history)``; each history entry holds
    the working-set size, :math:`\|A^\top r\|_\infty` (``sup``), the gap and the objective.
    """
    if max_passes < 1:
        raise ValueError(f"max_passes must be a positive integer, got {max_passes!r}")
    working, z_working = start if start is not None else (np.zeros(0, np.int64), np.zeros(0))
    working = np.asarray(working, dtype=np.int64)
    A_working = columns(working) if working.size else np.zeros((target.shape[0], 0))
    history = []
    # a warm start is not a solution for this beta: its own columns are re-solved once
    solved = start is None
    bar = tqdm(desc="working-set passes", unit="pass", disable=not progress, leave=False)
    last_exact_gap = np.inf
    for _ in range(max_passes):
        candidates, correlations, gap, primal, top, noise = measure(
            correlate, A_working, working, z_working, target, beta, columns
        )
        history.append(
            {
                "working_set": int(working.size),
                "sup": top,
                "gap": gap,
                "objective": primal,
                "complete": bool(np.isfinite(gap)),
            }
        )
        bar.update(1)
        bar.set_postfix_str(f"gap {gap / primal if primal > 0 else 0.0:.1e}")
        if gap <= tol * primal:
            break
        over = np.abs(correlations) > beta * (1 + 1e-13) + noise
        if not np.any(over) and solved:
            # nothing beyond the rounding noise: measure the gap with an exact dual point,
            # whose correlations also show violators smaller than that noise
            if target.shape[0] * np.count_nonzero(z_working) > EXACT_MEASURE_ENTRIES:
                break
            exact = exact_gap(correlate, A_working, working, z_working, target, beta, columns)
            if exact[0] >= gap:
                # the exact KKT dual of the support is a worse dual point (its sign-fixed
                # system dropped columns): nothing more to learn from it
                break
            gap, top, candidates, correlations = exact
            history[-1].update(gap=gap, sup=top, exact=True)
            over = np.abs(correlations) > beta * (1 + 1e-13)
            over &= ~np.isin(candidates, working[z_working != 0])
            stalled = gap >= 0.5 * last_exact_gap
            last_exact_gap = gap
            if gap <= tol * primal or not np.any(over) or stalled:
                break
        support = working[z_working != 0]
        violators = candidates[over][np.argsort(-np.abs(correlations[over]))]
        add = diverse_violators(
            violators[~np.isin(violators, support)],
            columns,
            max(128, 4 * int(np.count_nonzero(z_working))),
        )
        previous = dict(zip(support.tolist(), z_working[z_working != 0]))
        working = np.concatenate([support, add[~np.isin(add, support)]])
        A_working = columns(working)
        guess = np.array([previous.get(int(j), 0.0) for j in working])
        z_working = lasso_small(A_working, target, beta, start=guess)
        solved = True
    bar.close()
    return working, z_working, history
