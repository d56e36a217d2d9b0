r"""One streamed pass over the depth-3 mirror family in :math:`O(N^2)`, from its structure.

Every feature of the family is :math:`g_{c,r}(x) = \bigl||x - c| - r\bigr|`, and on the real line

.. math::

    g_{c,r}(x) = |x - (c - r)| + |x - (c + r)| - |x - c| - r .

So with :math:`T(t) = \sum_n \lambda_n |x_n - t|` the correlation of a column is

.. math::

    \lambda^\top g_{c,r} = T(c - r) + T(c + r) - T(c) - r \sum_n \lambda_n ,

and :math:`T(t) = t\,(2S_0(p) - S_0(N)) - (2S_1(p) - S_1(N))` with :math:`p = \#\{x_n < t\}` and the
prefix sums :math:`S_0, S_1` of :math:`\lambda` and :math:`\lambda x` over the sorted data. For a
reflection :math:`(j, k)` the three points are :math:`x_k`, :math:`2x_j - x_k` and :math:`x_j`;
for a midpoint :math:`\{j, k\}` they are :math:`x_j`, :math:`x_k` and :math:`(x_j + x_k)/2`. Along
a row (fixed :math:`j`, :math:`x_k` increasing) the one point that is not a data point moves
monotonically, so its :math:`p` follows by a pointer walk: a column costs :math:`O(1)` and a pass
over all :math:`\tfrac32 N^2` columns :math:`O(N^2)`, against :math:`O(N^3)` for evaluating the
columns. The rounding-error bound of every column is that of the prefix-sum path of
:mod:`clifflasso.lasso.screening` with three kinks (this computation is of the same kind with
fewer operations), so a pass gives the same certified screen.

Each row keeps its ``ROW_CAPACITY`` largest candidates (:math:`|\hat c_j| + \varepsilon_j` at or
above the threshold); a candidate pushed out of a full row counts in the row's bound on the
other columns, so a pass stays within :math:`O(N)` memory however many columns violate.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: candidates kept per row (one reflection centre, or one left end of a midpoint pair)
ROW_CAPACITY = 16

_U = 2.0**-53


@njit(cache=True, inline="always")
def _t_at(t, p, s0, s1, n):
    return t * (2.0 * s0[p] - s0[n]) - (2.0 * s1[p] - s1[n])


@njit(cache=True, inline="always")
def _keep(row, index, corr, err, mag, threshold, buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m):
    """Put one column into its row's buffer, or into the row's bound on the other columns."""
    upper = abs(corr) + err
    if upper < threshold:
        if upper > rest[row]:
            rest[row] = upper
        if mag > rest_m[row]:
            rest_m[row] = mag
        return
    capacity = buf_i.shape[1]
    filled = counts[row]
    if filled < capacity:
        buf_i[row, filled] = index
        buf_c[row, filled] = corr
        buf_e[row, filled] = err
        buf_m[row, filled] = mag
        counts[row] = filled + 1
        return
    lowest = 0
    lowest_upper = abs(buf_c[row, 0]) + buf_e[row, 0]
    for slot in range(1, capacity):
        value = abs(buf_c[row, slot]) + buf_e[row, slot]
        if value < lowest_upper:
            lowest, lowest_upper = slot, value
    if upper <= lowest_upper:
        evicted_upper, evicted_mag = upper, mag
    else:
        evicted_upper, evicted_mag = lowest_upper, buf_m[row, lowest]
        buf_i[row, lowest] = index
        buf_c[row, lowest] = corr
        buf_e[row, lowest] = err
        buf_m[row, lowest] = mag
    if evicted_upper > rest[row]:
        rest[row] = evicted_upper
    if evicted_mag > rest_m[row]:
        rest_m[row] = evicted_mag


@njit(parallel=True, cache=True)
def _mirror_rows(
    xs, order, s0, s1, l1, l1x, scale, threshold, first, last,
    buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m,
):  # fmt: skip
    n = xs.shape[0]
    # prefix-sum path with m = 3 kinks: 8 (m + 2) (N + m + 4) u, plus 4u for rounded kinks;
    # rho = 32 L^2 u M with L = 3; magnitudes carry the factor (1 + 4 L u)
    path = 40.0 * (n + 7) * _U
    total = s0[n]
    t_data = np.empty(n)
    for i in range(n):
        p = np.searchsorted(xs, xs[i])
        t_data[i] = _t_at(xs[i], p, s0, s1, n)
    for row in prange(first, last):
        local = row - first
        if row < n:
            # reflections (j, k) = (order[row], order[b]): points x_k, 2 x_j - x_k, x_j
            c = xs[row]
            j = order[row]
            p = n
            for b in range(n):
                xk = xs[b]
                point = 2.0 * c - xk
                while p > 0 and xs[p - 1] >= point:
                    p -= 1
                r = abs(xk - c)
                corr = t_data[b] + _t_at(point, p, s0, s1, n) - t_data[row] - r * total
                extent = r + max(abs(xk), abs(point), abs(c))
                mag = (scale + abs(c) + r) * (1.0 + 12.0 * _U)
                err = path * (extent * l1 + l1x) + 4.0 * _U * extent * l1
                err = (err + l1 * 288.0 * _U * mag) * (1.0 + 1e-6)
                _keep(local, j * n + order[b], corr, err, mag, threshold,
                      buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m)  # fmt: skip
        else:
            # midpoints of the sorted pair (a, b), a < b: points x_a, x_b, (x_a + x_b) / 2
            a = row - n
            p = a
            for b in range(a + 1, n):
                c = (xs[a] + xs[b]) / 2.0
                r = (xs[b] - xs[a]) / 2.0
                while p < n and xs[p] < c:
                    p += 1
                corr = t_data[a] + t_data[b] - _t_at(c, p, s0, s1, n) - r * total
                j, k = min(order[a], order[b]), max(order[a], order[b])
                index = n * n + j * n - j * (j + 1) // 2 + (k - j - 1)
                extent = r + max(abs(xs[a]), abs(xs[b]), abs(c))
                mag = (scale + abs(c) + r) * (1.0 + 12.0 * _U)
                err = path * (extent * l1 + l1x) + 4.0 * _U * extent * l1
                err = (err + l1 * 288.0 * _U * mag) * (1.0 + 1e-6)
                _keep(local, index, corr, err, mag, threshold,
                      buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m)  # fmt: skip


def mirror_row_count(n_samples: int) -> int:
    """Rows of a pass over the mirror family of ``n_samples`` points."""
    return max(0, 2 * n_samples - 1)


def mirror_rows(x: np.ndarray, residual: np.ndarray, threshold: float, rows: range):
    r"""Screen the rows ``rows`` of the mirror family at ``residual`` (module docstring).

    Rows ``0 .. N-1`` are the reflections about the sorted data points, rows ``N .. 2N-2``
    the midpoints whose left end is the sorted point ``row - N`` (:func:`mirror_row_count`
    rows). Returns ``(candidates, correlations, errors, magnitudes, rest_upper,
    rest_magnitude)`` like one block of :func:`clifflasso.lasso.screening.screen`, with
    global column indices of the family's enumeration
    (:meth:`~clifflasso.families.abs_mirrors.AbsMirrorFamily.table_at`)."""
    x = np.asarray(x, dtype=np.float64)
    residual = np.asarray(residual, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    xs, lam = np.ascontiguousarray(x[order]), residual[order]
    s0 = np.concatenate([[0.0], np.cumsum(lam)])
    s1 = np.concatenate([[0.0], np.cumsum(lam * xs)])
    l1, l1x = float(np.abs(lam).sum()), float(np.abs(lam * xs).sum())
    scale = float(np.max(np.abs(xs), initial=0.0))
    count = max(0, rows.stop - rows.start)
    buf_i = np.zeros((count, ROW_CAPACITY), np.int64)
    buf_c, buf_e, buf_m = (np.zeros((count, ROW_CAPACITY)) for _ in range(3))
    counts = np.zeros(count, np.int64)
    rest, rest_m = np.zeros(count), np.zeros(count)
    _mirror_rows(
        xs, order.astype(np.int64), s0, s1, l1, l1x, scale, float(threshold),
        rows.start, rows.start + count, buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m,
    )  # fmt: skip
    kept = np.arange(ROW_CAPACITY)[None, :] < counts[:, None]
    return (
        buf_i[kept],
        buf_c[kept],
        buf_e[kept],
        buf_m[kept],
        float(rest.max(initial=0.0)),
        float(rest_m.max(initial=0.0)),
    )
