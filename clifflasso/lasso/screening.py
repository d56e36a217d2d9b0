r"""Correlations of every column with rigorous floating-point error bounds.

A certificate needs :math:`\max_j |\lambda^\top F_j(X)|` over a complete family, where
:math:`F_j` is the feature at its *exact* parameters. The columns are streamed in float64
(:mod:`clifflasso.lasso.streaming`); for each one we also compute a bound :math:`\varepsilon_j`
with :math:`|\lambda^\top F_{\theta^*_j}(X) - \hat c_j| \le \varepsilon_j`, built from

* the family's feature bound :math:`\rho_j` (exact parameters and arithmetic against the float
  kernel, :meth:`~clifflasso.families.base.FeatureFamily.rounding_bound`), contributing
  :math:`\|\lambda\|_1\rho_j`;
* the rounding of the correlation itself. A dot product of length :math:`N` errs by at most
  :math:`\gamma_N\sum_n|\lambda_n||F_{nj}|`, :math:`\gamma_N = Nu/(1 - Nu)` (Higham, *Accuracy
  and Stability of Numerical Algorithms*, 2nd ed., §3.1), any summation order; with
  :math:`|F_{nj}| \le M_j` (:meth:`~clifflasso.families.base.FeatureFamily.magnitude_bound`)
  this is at most :math:`\gamma_N\|\lambda\|_1 M_j`. The prefix-sum path of 1-D families
  (:math:`m` kinks :math:`k_t`, values :math:`v_t`, slopes at most 1) forms prefix sums of
  :math:`\lambda` and :math:`\lambda x`, each within :math:`\gamma_N` of its absolute sums, and
  :math:`2m+2` products of them: at most
  :math:`8(m+2)(N+m+4)\,u\,[(V_j + K_j)\|\lambda\|_1 + \sum_n|\lambda_n x_n|]` with
  :math:`V_j = \max_t|v_t|`, :math:`K_j = \max_t|k_t|`, plus :math:`4u(V_j+K_j)\|\lambda\|_1`
  for the rounded kinks of the piecewise description.

The constants are generous on purpose: a column is resolved by the bound only when
:math:`|\hat c_j| + \varepsilon_j < \beta(1 - \text{margin})`; the few others (ties with the
support, mostly) are returned as *candidates* to be evaluated exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from tqdm import tqdm

from clifflasso.families.base import UNIT_ROUNDOFF, FeatureFamily, FeatureTable
from clifflasso.lasso.correlations import blocks, has_prefix_path, piecewise_correlations


def gamma(n: int) -> float:
    r""":math:`\gamma_n = nu/(1 - nu)`."""
    return n * UNIT_ROUNDOFF / (1 - n * UNIT_ROUNDOFF)


@dataclass(frozen=True)
class Screen:
    r"""Float correlations of a complete family at a residual, with error bounds.

    ``candidates`` are the columns with :math:`|\hat c_j| + \varepsilon_j \ge
    \beta(1 - \text{margin})` (their ``correlations``, ``errors`` and ``magnitudes``);
    every other column satisfies :math:`|c_j| \le` ``rest_upper`` and :math:`\max_n|F_j(x_n)| \le`
    ``rest_magnitude``, or is exactly zero or a copy of a screened column (a structured pass
    screens each function once), or is a vertex that the supremum over all units does not need
    (the depth-4 absolute-value pass skips those, so the bounds hold for that supremum).
    ``rest_upper`` is below :math:`\beta(1-\text{margin})` unless a structured pass kept only
    the largest candidates of a row (then it proves nothing).
    """

    residual: np.ndarray
    beta: float
    margin: float
    candidates: np.ndarray
    correlations: np.ndarray
    errors: np.ndarray
    magnitudes: np.ndarray
    rest_upper: float
    rest_magnitude: float
    n_columns: int
    #: the largest float correlation :math:`|\hat c_j|` of the other columns (an estimate, for
    #: the solver's stopping test; ``rest_upper`` is the bound)
    rest_correlation: float | None = None
    #: False for a coarse pass (a subset of the columns): it exhibits violators but bounds
    #: nothing (``rest_upper`` is infinite)
    complete: bool = True

    def upper(self) -> float:
        r"""A rigorous upper bound on :math:`\max_j|\lambda^\top F_j|` at ``residual``."""
        top = np.abs(self.correlations) + self.errors
        return max(self.rest_upper, float(top.max(initial=0.0)))

    def raised_to(self, beta: float) -> Screen:
        r"""The same pass screened at a larger ``beta``: the candidates below
        :math:`\beta(1-\text{margin})` join the other columns in the bounds."""
        upper = np.abs(self.correlations) + self.errors
        kept = upper >= beta * (1 - self.margin)
        dropped = ~kept
        return replace(
            self,
            beta=beta,
            candidates=self.candidates[kept],
            correlations=self.correlations[kept],
            errors=self.errors[kept],
            magnitudes=self.magnitudes[kept],
            rest_upper=max(self.rest_upper, float(upper[dropped].max(initial=0.0))),
            rest_magnitude=max(
                self.rest_magnitude, float(self.magnitudes[dropped].max(initial=0.0))
            ),
            rest_correlation=max(
                self.rest_correlation or 0.0,
                float(np.abs(self.correlations[dropped]).max(initial=0.0)),
            ),
        )

    def rest_upper_at(self, shift: float) -> float:
        r"""The bound on the non-candidates at a residual :math:`\lambda'` with
        :math:`\|\lambda' - \lambda\|_1 \le` ``shift``."""
        return self.rest_upper + shift * self.rest_magnitude


def summarize(correlations: np.ndarray, beta: float, margin: float = 1e-6) -> Screen:
    r"""A dense vector of correlations as a :class:`Screen` without error bounds (the
    candidates are the columns with :math:`|c_j| \ge \beta(1 - \text{margin})`)."""
    correlations = np.asarray(correlations, dtype=np.float64)
    size = np.abs(correlations)
    chosen = size >= beta * (1 - margin)
    return Screen(
        residual=np.zeros(0),
        beta=beta,
        margin=margin,
        candidates=np.flatnonzero(chosen),
        correlations=correlations[chosen],
        errors=np.zeros(int(chosen.sum())),
        magnitudes=np.zeros(int(chosen.sum())),
        rest_upper=float(size[~chosen].max(initial=0.0)),
        rest_magnitude=0.0,
        n_columns=correlations.size,
    )


def _block(family: FeatureFamily, table: FeatureTable, residual: np.ndarray, sums):
    """Correlations and their error bounds for one block of columns."""
    l1, l1x = sums
    n = residual.shape[0]
    X = family.data.values
    magnitudes = family.magnitude_bound(table)
    rho = family.rounding_bound(table)
    pieces = family.piecewise_linear(table) if has_prefix_path(family) else None
    if pieces is not None:
        kinks, values = pieces[0], pieces[1]
        correlations = piecewise_correlations(pieces, X[:, 0], residual)
        m = kinks.shape[1]
        extent = np.max(np.abs(values), axis=1) + np.max(np.abs(kinks), axis=1)
        errors = 8 * (m + 2) * (n + m + 4) * UNIT_ROUNDOFF * (extent * l1 + l1x)
        errors += 4 * UNIT_ROUNDOFF * extent * l1
    else:
        correlations = residual @ family.evaluate(table, X)
        errors = gamma(n) * l1 * magnitudes
    errors = (errors + l1 * rho) * (1 + 1e-6)
    return correlations, errors, magnitudes


def _reduce(correlations, errors, magnitudes, threshold: float):
    """Candidates (local indices) and the maxima over the other columns of one block."""
    upper = np.abs(correlations) + errors
    chosen = upper >= threshold
    rest = ~chosen
    return (
        np.flatnonzero(chosen),
        correlations[chosen],
        errors[chosen],
        magnitudes[chosen],
        float(upper[rest].max(initial=0.0)),
        float(magnitudes[rest].max(initial=0.0)),
        float(np.abs(correlations[rest]).max(initial=0.0)),
    )


def _screen_block(family, table, residual, sums, threshold, keep_all):
    correlations, errors, magnitudes = _block(family, table, residual, sums)
    reduced = _reduce(correlations, errors, magnitudes, threshold)
    return reduced + ((correlations if keep_all else None),)


#: columns per block of a structured pass (progress, interruption and Dask granularity)
STRUCTURED_BLOCK = 2**24


def _structured_screen(family, residual, beta, margin, client, progress, stride=1) -> Screen:
    """:func:`screen` by the family's structured pass (:meth:`FeatureFamily.screen_rows`), a
    block of rows at a time; each row keeps its largest candidates, a full row's others count
    in ``rest_upper``. ``stride > 1``: a coarse pass (:meth:`FeatureFamily.coarse_strides`)."""
    threshold = beta * (1 - margin)
    count = family.structured_rows()
    per_row = max(1, family.size() // max(1, count)) // (stride * stride)
    step = max(1, STRUCTURED_BLOCK // max(1, per_row))
    options = {"stride": stride} if stride > 1 else {}
    if client is not None:
        # a few blocks per worker so that the cluster is busy and balanced
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        step = max(1, -(-count // (4 * workers)))
    ranges = [range(start, min(start + step, count)) for start in range(0, count, step)]
    if client is not None:
        futures = [
            client.submit(family.screen_rows, residual, threshold, rows, pure=False, **options)
            for rows in ranges
        ]
        parts = client.gather(futures)
    else:
        parts = [
            family.screen_rows(residual, threshold, rows, **options)
            for rows in tqdm(ranges, desc="certificate pass", disable=not progress, leave=False)
        ]
    return Screen(
        residual=residual,
        beta=beta,
        margin=margin,
        candidates=np.concatenate([p[0] for p in parts]).astype(np.int64),
        correlations=np.concatenate([p[1] for p in parts]),
        errors=np.concatenate([p[2] for p in parts]),
        magnitudes=np.concatenate([p[3] for p in parts]),
        rest_upper=max((p[4] for p in parts), default=0.0) if stride == 1 else np.inf,
        rest_magnitude=max((p[5] for p in parts), default=0.0),
        n_columns=family.size(),
        rest_correlation=max((p[6] for p in parts), default=0.0) if stride == 1 else np.inf,
        complete=stride == 1,
    )


def screen(
    family: FeatureFamily,
    table: FeatureTable,
    residual: np.ndarray,
    beta: float,
    *,
    block_size: int,
    margin: float = 1e-6,
    client=None,
    progress: bool = False,
    keep_all: bool = False,
    stride: int = 1,
):
    """Stream every column of ``table`` once at ``residual`` (module docstring). Returns the
    :class:`Screen`, or ``(all correlations, Screen)`` with ``keep_all`` (one pass for both:
    the streamed fit's passes). ``stride`` > 1, one of the family's
    :meth:`~clifflasso.families.base.FeatureFamily.coarse_strides`: a coarse structured pass
    (an incomplete :class:`Screen`)."""
    if stride != 1 and stride not in family.coarse_strides():
        raise ValueError(f"the {family.name!r} family has no coarse pass of stride {stride!r}")
    residual = np.ascontiguousarray(residual, dtype=np.float64)
    x_first = family.data.values[:, 0]
    sums = (float(np.abs(residual).sum()), float(np.abs(residual * x_first).sum()))
    threshold = beta * (1 - margin)
    if family.structured_rows() and len(table) == family.size() and not keep_all:
        return _structured_screen(family, residual, beta, margin, client, progress, stride)
    slices = list(blocks(len(table), block_size))
    if client is not None:
        futures = [
            client.submit(
                _screen_block,
                family,
                table.take(np.arange(b.start, b.stop)),
                residual,
                sums,
                threshold,
                keep_all,
                pure=False,
            )
            for b in slices
        ]
        parts = client.gather(futures)
    else:
        parts = [
            _screen_block(family, table.take(b), residual, sums, threshold, keep_all)
            for b in tqdm(slices, desc="certificate pass", disable=not progress, leave=False)
        ]
    offsets = [b.start for b in slices]
    candidates = [offset + part[0] for offset, part in zip(offsets, parts)]
    result = Screen(
        residual=residual,
        beta=beta,
        margin=margin,
        candidates=np.concatenate(candidates) if candidates else np.zeros(0, np.int64),
        correlations=np.concatenate([p[1] for p in parts]) if parts else np.zeros(0),
        errors=np.concatenate([p[2] for p in parts]) if parts else np.zeros(0),
        magnitudes=np.concatenate([p[3] for p in parts]) if parts else np.zeros(0),
        rest_upper=max((p[4] for p in parts), default=0.0),
        rest_magnitude=max((p[5] for p in parts), default=0.0),
        n_columns=len(table),
        rest_correlation=max((p[6] for p in parts), default=0.0),
    )
    if not keep_all:
        return result
    everything = np.concatenate([p[7] for p in parts]) if parts else np.zeros(0)
    return everything, result
