r"""Dictionaries larger than memory: the streamed working-set Lasso, :func:`fit`.

The dictionary is never materialised. Each pass streams every column of the complete family
(:mod:`clifflasso.lasso.correlations`) to compute the correlations :math:`A^\top\lambda` at the
residual; a working set of columns is solved exactly (:mod:`clifflasso.lasso.working_set`) and
the columns that violate :math:`|A_j^\top\lambda| \le \beta` are added, until the duality gap
(:mod:`clifflasso.lasso.problem`) is at most ``tol`` times the objective. Every pass also
bounds the rounding error of each correlation (:mod:`clifflasso.lasso.screening`); the last one
is kept in ``info["screen"]`` and :func:`clifflasso.certify` reuses it as the streamed pass of
the optimality certificate. Blocks can be dispatched to a Dask cluster (``client=``).

Families whose full pass is expensive (the depth-4 absolute-value vertices, :math:`\approx 30N^3`
columns) offer coarse passes over the columns whose points lie on every ``s``-th sorted point
(:meth:`~clifflasso.families.base.FeatureFamily.coarse_strides`): a pass tries them coarsest
first and stops at the first that exhibits a violator. Before the pass of stride 2 (an eighth
of the work) come the columns of the last full pass whose correlation was within 10% of beta
(the pool); only a pass with no violator in any of them runs over every column. The duality
gap, and so the stopping test, is only ever taken from full passes.
"""

from __future__ import annotations

import warnings

import numpy as np
from tqdm import tqdm

from clifflasso._data import as_beta, as_data, as_labels
from clifflasso.architecture import Architecture
from clifflasso.dictionary import Dictionary, family_for, stream_size_problem
from clifflasso.lasso.correlations import block_size_for, has_prefix_path
from clifflasso.lasso.screening import Screen, screen
from clifflasso.lasso.solution import LassoSolution, sample_weights
from clifflasso.lasso.working_set import TARGET_GAP, working_set_lasso

DEFAULT_FIT_MEMORY = 2**30
#: a coarse pass ends a pass early when it finds a correlation above beta (1 + this)
COARSE_MARGIN = 1e-9
#: with coarse passes, a full pass also keeps up to POOL_SIZE columns whose correlation
#: reaches POOL_FRACTION beta: the next passes look for violators there before the next full one
POOL_FRACTION = 0.9
POOL_SIZE = 20_000


class _Stream:
    """The streamed Lasso of one problem: column source, correlations and solutions, shared
    by every beta of :func:`fit` and :func:`fit_path`."""

    def __init__(self, X, y, arch: Architecture, memory_limit: int, client, sample_weight):
        self.data = as_data(X)
        self.labels = as_labels(y, self.data.n_samples)
        self.weights = sample_weights(sample_weight, self.data.n_samples)
        self.arch, self.client = arch, client
        self.family = family = family_for(arch, self.data).complete_family()
        n = self.data.n_samples
        problem = stream_size_problem(family, memory_limit)
        if problem is not None:
            raise ValueError(problem)
        # families that index their columns are streamed without ever holding all of them
        self.table = family.streaming_table()
        self.block = block_size_for(n, memory_limit, has_prefix_path(family))
        self.working_budget = max(n, (memory_limit // 4) // (8 * n))
        # weighted centring and row scaling (clifflasso.lasso.problem): the plain Lasso in
        # target = sqrt(w) (y - mean_w y) and columns sqrt(w) (F - mean_w F)
        self.root = np.ones(n) if self.weights is None else np.sqrt(self.weights)
        self.mass = self.root * self.root
        self.target = (
            self.root * (self.labels - np.average(self.labels, weights=self.mass))
            if arch.output_bias
            else self.root * self.labels
        )
        self.last_screen = None
        # coarse passes first where a full structured pass is expensive (abs depth 4)
        self.strides = family.coarse_strides() if family.structured_rows() else ()
        self.pool = np.zeros(0, np.int64)

    def dual(self, residual: np.ndarray) -> np.ndarray:
        r"""The dual point :math:`\mu = \sqrt{w}\,r` of a residual of the centred problem, made
        orthogonal to the constants exactly (raw features are correlated, not centred ones)."""
        if self.arch.output_bias:
            residual = residual - self.root * (float(self.root @ residual) / float(self.mass.sum()))
        return self.root * residual

    def correlate(self, residual: np.ndarray, beta: float):
        """The screen of a pass. Where the family has coarse passes: the first coarse pass
        (coarsest first) that exhibits a violator beyond :data:`COARSE_MARGIN`, with the pool
        of near-violators kept from the last full pass tried before the pass of stride 2; if
        none has one, the full pass."""
        dual = self.dual(residual)
        for stride in self.strides:
            if stride == 2 and self.pool.size:
                # the pool costs about as much as the coarsest passes, stride 2 an eighth of all
                pooled = self._pooled(residual, beta)
                if pooled is not None:
                    return pooled
            coarse = screen(
                self.family, self.table, dual, beta, block_size=self.block, client=self.client,
                stride=stride,
            )  # fmt: skip
            if np.any(np.abs(coarse.correlations) > beta * (1 + COARSE_MARGIN)):
                return coarse
        if not self.strides:
            screened = screen(
                self.family, self.table, dual, beta, block_size=self.block, client=self.client
            )
        else:
            screened = self._full_with_pool(dual, beta)
        self.last_screen = screened  # the last pass, with error bounds: the certificate's screen
        return screened

    def _pooled(self, residual: np.ndarray, beta: float) -> Screen | None:
        """The pool's violators beyond :data:`COARSE_MARGIN` (an incomplete screen), or None."""
        correlations = np.concatenate(
            [
                self.columns(self.pool[start : start + self.working_budget]).T @ residual
                for start in range(0, self.pool.size, self.working_budget)
            ]
        )
        over = np.abs(correlations) > beta * (1 + COARSE_MARGIN)
        if not np.any(over):
            return None
        count = int(over.sum())
        return Screen(
            residual=self.dual(residual), beta=beta, margin=0.0,
            candidates=self.pool[over], correlations=correlations[over],
            errors=np.zeros(count), magnitudes=np.zeros(count), rest_upper=np.inf,
            rest_magnitude=0.0, n_columns=len(self.table), rest_correlation=np.inf,
            complete=False,
        )  # fmt: skip

    def _full_with_pool(self, dual: np.ndarray, beta: float) -> Screen:
        """The full pass, screened at :data:`POOL_FRACTION` of beta: its largest columns become
        the pool, and the screen at beta keeps the others in its bound on the rest."""
        low = screen(
            self.family, self.table, dual, POOL_FRACTION * beta, block_size=self.block,
            client=self.client,
        )  # fmt: skip
        order = np.argsort(-np.abs(low.correlations))[:POOL_SIZE]
        self.pool = low.candidates[order]
        return low.raised_to(beta)

    def columns(self, indices: np.ndarray) -> np.ndarray:
        if indices.size > self.working_budget:
            raise ValueError(
                f"the working set ({indices.size} columns) outgrew memory_limit; raise it"
            )
        values = self.family.evaluate(self.table.take(indices), self.data.values)
        if self.arch.output_bias:
            values = values - np.average(values, axis=0, weights=self.mass)
        return self.root[:, None] * values

    def beta_max(self) -> float:
        """:math:`\\max_j |F_j^\top \\mu_0|` at the centred labels, streamed: the smallest beta
        whose solution is 0 (the screen's rigorous upper bound, above it by rounding only)."""
        screened = screen(
            self.family, self.table, self.dual(self.target), np.inf, block_size=self.block,
            client=self.client,
        )  # fmt: skip
        return screened.upper()

    def solve(self, beta: float, tol: float, max_passes: int, progress: bool, start=None):
        working, z_working, history = working_set_lasso(
            lambda r: self.correlate(r, beta), self.columns, self.target, beta, tol=tol,
            max_passes=max_passes, progress=progress, start=start,
        )  # fmt: skip
        last = history[-1]
        relative_gap = last["gap"] / last["objective"] if last["objective"] > 0 else 0.0
        if relative_gap > tol:
            warnings.warn(
                f"fit stopped after {len(history)} passes at relative duality gap "
                f"{relative_gap:.2e} > tol = {tol:g} (beta={beta:g}): the answer is not "
                "certified optimal; raise max_passes",
                RuntimeWarning,
                stacklevel=3,
            )
        keep = np.flatnonzero(z_working)
        chosen = working[keep]
        sub_table = self.table.take(chosen)
        matrix = np.ascontiguousarray(self.family.evaluate(sub_table, self.data.values))
        full = len(self.table)
        dictionary = Dictionary(
            self.data, self.arch, self.family, sub_table, matrix, full, full - chosen.size
        )
        solution = LassoSolution.from_coefficients(
            dictionary, self.labels, z_working[keep], beta,
            history[0]["sup"] if history[0]["complete"] else np.nan,
            "working set (streamed)", self.weights,
        )  # fmt: skip
        solution.info.update(
            passes=history,
            gap=history[-1]["gap"],
            sup=history[-1]["sup"],
            n_full=full,
            screen=self.last_screen,
        )
        return solution, (working, z_working)


def _check_passes(max_passes) -> None:
    if isinstance(max_passes, bool) or not isinstance(max_passes, (int, np.integer)):
        raise ValueError(f"max_passes must be a positive integer, got {max_passes!r}")
    if max_passes < 1:
        raise ValueError(f"max_passes must be a positive integer, got {max_passes!r}")


def fit(
    X: object,
    y: object,
    arch: Architecture,
    beta: float,
    *,
    memory_limit: int = DEFAULT_FIT_MEMORY,
    tol: float = TARGET_GAP,
    max_passes: int = 200,
    client=None,
    progress: bool = True,
    sample_weight=None,
):
    r"""Solve the Lasso of ``arch`` on ``(X, y)`` without materialising the dictionary.

    Working-set method: solve on a few columns, stream all columns to find those with
    :math:`|A_j^\top\lambda| > \beta`, add the worst, repeat; stop when the relative duality gap
    is below ``tol`` (then the answer is optimal over the *complete* family: a certificate).
    Memory stays within ``memory_limit`` bytes (parameters of every column, one block of
    values, the working set). ``client`` is an optional ``dask.distributed.Client`` for the
    streamed passes. ``sample_weight`` weights the squared loss per sample,
    :math:`\tfrac12\sum_n \omega_n r_n^2` (repeated inputs can be merged into one weighted
    point). Returns a :class:`~clifflasso.LassoSolution` over the working-set dictionary, with
    ``info`` holding the passes, gap and final sup; warns (``RuntimeWarning``) when
    ``max_passes`` run out before the gap reaches ``tol``.
    """
    beta = as_beta(beta)
    if beta == 0:
        raise ValueError("fit needs beta > 0 (use solve(..., beta=0) for the min-l1 interpolant)")
    _check_passes(max_passes)
    stream = _Stream(X, y, arch, memory_limit, client, sample_weight)
    return stream.solve(beta, tol, max_passes, progress)[0]


def fit_path(
    X: object,
    y: object,
    arch: Architecture,
    betas=None,
    *,
    n_betas: int = 10,
    ratio: float = 1e-2,
    memory_limit: int = DEFAULT_FIT_MEMORY,
    tol: float = TARGET_GAP,
    max_passes: int = 200,
    client=None,
    progress: bool = True,
    sample_weight=None,
) -> list:
    r"""The streamed Lasso (:func:`fit`) over a grid of betas, never materialising the
    dictionary: one :class:`~clifflasso.LassoSolution` per beta, in decreasing beta order,
    each certified by its duality gap like :func:`fit`.

    Default grid: ``n_betas`` values geometrically spaced from :math:`\beta_{\max} =
    \max_j|F_j^\top\mu_0|` (streamed; the zero network is optimal above it) down to
    ``ratio`` times it. Each solve starts from the previous beta's support (a warm-started
    working set), so the path costs a few passes per beta.
    """
    _check_passes(max_passes)
    stream = _Stream(X, y, arch, memory_limit, client, sample_weight)
    if betas is None:
        if not (isinstance(n_betas, (int, np.integer)) and not isinstance(n_betas, bool)):
            raise ValueError(f"n_betas must be a positive integer, got {n_betas!r}")
        if n_betas < 1 or not 0 < ratio < 1:
            raise ValueError(f"need n_betas >= 1 and 0 < ratio < 1, got {n_betas!r}, {ratio!r}")
        top = stream.beta_max()
        if top <= 0:
            raise ValueError("the labels are constant: every beta > 0 gives the zero network")
        betas = top * np.geomspace(1.0, ratio, n_betas)
    values = sorted((as_beta(b) for b in np.atleast_1d(betas)), reverse=True)
    if not values or values[-1] <= 0:
        raise ValueError("fit_path needs betas > 0")
    solutions, start = [], None
    for beta in tqdm(values, desc="beta path", disable=not progress, leave=False):
        solution, (working, z) = stream.solve(beta, tol, max_passes, False, start)
        solutions.append(solution)
        start = (working[z != 0], z[z != 0])
    return solutions
