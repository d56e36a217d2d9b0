r"""The Lasso of an autoregressive network on merged windows: dense or streamed, one beta or
a path.

**Merging repeated inputs.** Series often revisit a value (yearly sunspot numbers repeat, a
rounded flow repeats), so several windows can share one input :math:`x`. For the windows
:math:`t \in G` with a common input and weights :math:`\omega_t` (1 unless given),

.. math::

    \tfrac12\sum_{t\in G}\omega_t\,(f(x) - y_t)^2
    = \tfrac12 W_G\,(f(x) - \bar y_G)^2 + \tfrac12\sum_{t\in G}\omega_t\,(y_t - \bar y_G)^2,
    \qquad W_G = \sum_{t\in G}\omega_t,\ \bar y_G = \frac{1}{W_G}\sum_{t\in G}\omega_t y_t,

so the training problem over all windows equals the weighted problem over the distinct inputs
plus the constant :math:`c = \tfrac12\sum_G\sum_{t\in G}\omega_t(y_t - \bar y_G)^2`, which no
network can change. The dictionary is built on the distinct inputs only (fewer rows, and for the
data-generated families fewer columns); :attr:`MergedWindows.constant` is :math:`c`, and the
objective of the problem as posed on every window is the merged optimum plus :math:`c`
(likewise for a certificate's lower bound).

**Dense or streamed.** A dictionary that is small (``N * P`` entries at most ``dense_limit``
and within ``memory_limit``, decided from the family's closed-form size before anything is
enumerated) is materialised and solved by :func:`clifflasso.solve`, a whole :math:`\beta` grid
by one homotopy sweep; a larger one goes to the streamed working-set solve
:func:`clifflasso.fit`, which never materialises it and keeps its last pass for the
certificate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clifflasso._data import as_data, merge_repeated
from clifflasso.architecture import Architecture
from clifflasso.dictionary import (
    Dictionary,
    dictionary,
    family_for,
    size_problem,
    stream_size_problem,
)
from clifflasso.lasso import LassoProblem, LassoSolution, fit, solve_path
from clifflasso.lasso.streaming import fit_path
from clifflasso.solving import lasso_path, solve

#: Default largest dictionary (``N * P`` entries, float64) that is materialised; larger ones are
#: streamed. 10^7 entries are 80 MB: building them takes about a second.
DENSE_LIMIT = 10_000_000
#: Default memory budget (bytes) of a dictionary or of a streamed fit.
MEMORY_LIMIT = 2**30


@dataclass(frozen=True)
class MergedWindows:
    r"""Windows merged on their distinct inputs (module docstring): inputs ``X`` (N, p),
    weighted-mean targets ``y`` (N,), weights ``weights`` (N,) or ``None`` when no input
    repeats, the ``constant`` :math:`c` and the number of windows merged."""

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    constant: float
    n_windows: int

    @classmethod
    def from_windows(cls, X: np.ndarray, y: np.ndarray) -> MergedWindows:
        X = np.asarray(X, dtype=np.float64)
        X = X.reshape(X.shape[0], -1)
        distinct, means, mass, _, constant = merge_repeated(X, y)
        if distinct.shape[0] < 2:
            raise ValueError(
                f"the {X.shape[0]} training windows have {distinct.shape[0]} distinct input(s); "
                "need at least 2"
            )
        weights = None if np.all(mass == 1) else mass
        return cls(distinct, means, weights, constant, X.shape[0])

    @property
    def inputs(self) -> np.ndarray:
        """Inputs as the dictionary takes them: a vector for one lag, else (N, p)."""
        return self.X[:, 0] if self.X.shape[1] == 1 else self.X


def plan(
    windows: MergedWindows,
    arch: Architecture,
    *,
    memory_limit: int = MEMORY_LIMIT,
    dense_limit: int = DENSE_LIMIT,
) -> tuple[str, str]:
    """``("dense" | "streamed", reason)``: how :class:`WindowLasso` will solve, decided from
    the family's closed-form size (nothing is built). Dense when the dictionary has at most
    ``dense_limit`` entries and fits ``memory_limit``, or when it fits but streaming cannot
    hold the family; streamed otherwise. A family that neither fits nor streams is refused
    (``ValueError`` with both sizes)."""
    data = as_data(windows.inputs)
    family = family_for(arch, data)
    entries = data.n_samples * family.size()
    dense_problem = size_problem(windows.inputs, arch, memory_limit=memory_limit)
    stream_problem = stream_size_problem(family.complete_family(), memory_limit)
    shape = f"{family.size():,} columns x {data.n_samples} inputs"
    if dense_problem is None and entries <= dense_limit:
        return "dense", f"{shape} <= {dense_limit:,} entries"
    if stream_problem is None:
        return "streamed", dense_problem or f"{shape} > {dense_limit:,} entries"
    if dense_problem is None:
        return "dense", f"{shape}; streaming would not fit: {stream_problem}"
    raise ValueError(f"{dense_problem}; nor can it be streamed: {stream_problem}")


class WindowLasso:
    r"""The Lasso of ``arch`` on merged windows, solved ``method`` ``"dense"`` or
    ``"streamed"`` (:func:`plan`); a dense dictionary is built once and reused."""

    def __init__(
        self,
        windows: MergedWindows,
        arch: Architecture,
        method: str = "dense",
        *,
        memory_limit: int = MEMORY_LIMIT,
        solver: str = "auto",
    ) -> None:
        if method not in ("dense", "streamed"):
            raise ValueError(f"method must be 'dense' or 'streamed', got {method!r}")
        self.windows = windows
        self.arch = arch
        self.method = method
        self.memory_limit = memory_limit
        self.solver = solver
        self._dictionary = None

    @property
    def dictionary(self) -> Dictionary:
        """The materialised dictionary (dense method only), built on first use."""
        if self.method != "dense":
            raise ValueError("a streamed Lasso has no materialised dictionary")
        if self._dictionary is None:
            self._dictionary = dictionary(
                self.windows.inputs, self.arch, memory_limit=self.memory_limit
            )
        return self._dictionary

    def beta_max(self) -> float:
        r""":math:`\beta_{\max}`: the smallest beta whose solution is the constant network
        (dense: from the dictionary; streamed: one pass of :func:`clifflasso.fit` at a beta
        above it, which also refuses a family too large for ``memory_limit`` before any
        work)."""
        w = self.windows
        if self.method == "dense":
            D = self.dictionary
            return LassoProblem(
                D.matrix, w.y, intercept=self.arch.output_bias, weights=w.weights
            ).beta_max
        return float(self._fit(1e300).beta_max)

    def _fit(self, beta: float) -> LassoSolution:
        w = self.windows
        return fit(
            w.inputs,
            w.y,
            self.arch,
            beta,
            memory_limit=self.memory_limit,
            progress=False,
            sample_weight=w.weights,
        )

    def solutions(self, betas: object) -> list[LassoSolution]:
        """Lasso solutions at each beta of ``betas`` (any order): dense, one solve for one beta
        and one path sweep for several (warm starts for ``"working_set"`` / ``"cd"``);
        streamed, one warm-started :func:`clifflasso.fit_path` over the betas, largest first."""
        betas = [float(beta) for beta in np.atleast_1d(betas)]
        w = self.windows
        if self.method == "streamed":
            if min(betas) <= 0:
                raise ValueError("streamed fits need beta > 0")
            path = fit_path(
                w.inputs, w.y, self.arch, betas, memory_limit=self.memory_limit,
                progress=False, sample_weight=w.weights,
            )  # fmt: skip
            found = {solution.beta: solution for solution in path}
            return [found[beta] for beta in betas]
        D = self.dictionary
        if len(betas) == 1:
            return [solve(D, w.y, betas[0], self.solver, sample_weight=w.weights)]
        if w.weights is None:
            path = lasso_path(D, w.y, betas, solver=self.solver)
            return [path.solution(beta) for beta in betas]
        # clifflasso.lasso_path takes no sample weights: the same sweep on the weighted problem
        problem = LassoProblem(D.matrix, w.y, intercept=self.arch.output_bias, weights=w.weights)
        order = np.argsort(-np.asarray(betas))
        Z, gaps, method = solve_path(problem, np.asarray(betas)[order], self.solver)
        found = {}
        for position, k in enumerate(order):
            solution = LassoSolution.from_coefficients(
                D, w.y, Z[position], betas[k], problem.beta_max, method, w.weights
            )
            solution.info.update(gap=float(gaps[position]))
            found[int(k)] = solution
        return [found[k] for k in range(len(betas))]
