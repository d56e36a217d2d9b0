r"""Streamed passes over whole 1-D families in :math:`O(N^2)`, from their structure.

A certified screen (:mod:`clifflasso.lasso.screening`) needs every column's correlation
:math:`\lambda^\top F_j` with a rigorous error bound. Column by column that costs :math:`O(N)`
per column; for the two large 1-D families every feature is a fixed combination of a few
functions of one breakpoint, whose correlations are prefix sums over the sorted data:

.. math::

    T(t) = \sum_n \lambda_n |x_n - t| = t\,(2S_0(p) - S_0(N)) - (2S_1(p) - S_1(N)),
    \qquad R(t) = \sum_n \lambda_n (x_n - t)_+ ,\quad L(t) = \sum_n \lambda_n (t - x_n)_+ ,

with :math:`p = \#\{x_n < t\}` and :math:`S_0, S_1` the prefix sums of :math:`\lambda` and
:math:`\lambda x`.

**Depth-3 mirrors** (:func:`mirror_rows`). Every feature is
:math:`g_{c,r}(x) = \bigl||x - c| - r\bigr| = |x - (c - r)| + |x - (c + r)| - |x - c| - r`, so

.. math::

    \lambda^\top g_{c,r} = T(c - r) + T(c + r) - T(c) - r \sum_n \lambda_n .

For a reflection :math:`(j, k)` the three points are :math:`x_k`, :math:`2x_j - x_k` and
:math:`x_j`; for a midpoint :math:`\{j, k\}` they are :math:`x_j`, :math:`x_k` and
:math:`(x_j + x_k)/2`. Along a row (fixed :math:`j`, :math:`x_k` increasing) the one point that is
not a data point moves monotonically, so its :math:`p` follows by a pointer walk.

**Capped ramps** (:func:`capped_ramp_rows`), the ReLU chains of depth 3 and the reduced family
of every deeper 1-D ReLU chain: with :math:`a = x_{j_1}`, :math:`b = x_{j_2}` and signs
:math:`(s_1, s_2)` the feature :math:`\bigl(s_2((s_1(x - a))_+ - (s_1(b - a))_+)\bigr)_+` is

.. math::

    (+,+):\ (x - \max(a, b))_+,\quad (-,+):\ (\min(a, b) - x)_+,\quad
    (+,-):\ [b > a]\,\bigl((b - x)_+ - (a - x)_+\bigr),\quad
    (-,-):\ [a > b]\,\bigl((x - b)_+ - (x - a)_+\bigr),

so its correlation is :math:`R` or :math:`L` at one or two data points, read from a table of
:math:`N` values. Copies are not screened twice: the :math:`(\pm,+)` columns are the :math:`2N`
ramps at the data points, and the :math:`(\pm,-)` columns with the other order of
:math:`a, b` vanish; every skipped column is, exactly, a screened column or zero.

A column then costs :math:`O(1)` and a pass over all :math:`O(N^2)` columns :math:`O(N^2)`. The
rounding-error bound of every column is that of the prefix-sum path of
:mod:`clifflasso.lasso.screening` (three kinks for mirrors, two for capped ramps), plus the
family's feature bound :math:`\|\lambda\|_1\rho_j`, so a pass gives a certified screen.

Each row keeps its ``ROW_CAPACITY`` largest candidates (:math:`|\hat c_j| + \varepsilon_j` at or
above the threshold); a candidate pushed out of a full row counts in the row's bound on the
other columns, so a pass stays within :math:`O(N)` memory however many columns violate.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: candidates kept per row (one reflection centre, or one left end of a midpoint pair)
ROW_CAPACITY = 64

_U = 2.0**-53


@njit(cache=True, inline="always")
def _t_at(t, p, s0, s1, n):
    return t * (2.0 * s0[p] - s0[n]) - (2.0 * s1[p] - s1[n])


@njit(cache=True, inline="always")
def _error_bound(path, extent, l1, l1x, rho, mag):
    """A column's bound: the prefix-sum path ``path (extent l1 + l1x)``, its rounded kinks
    ``4u extent l1`` and the feature bound ``l1 rho u mag``, with a relative margin."""
    err = path * (extent * l1 + l1x) + 4.0 * _U * extent * l1
    return (err + l1 * rho * _U * mag) * (1.0 + 1e-6)


@njit(cache=True, inline="always")
def _keep(row, index, corr, err, mag, threshold, buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m):
    r"""Put one column into its row's buffer, or into the row's bounds on the other columns
    (``rest[row]``: largest :math:`|\hat c| + \varepsilon` and largest :math:`|\hat c|`)."""
    upper = abs(corr) + err
    if upper < threshold:
        if upper > rest[row, 0]:
            rest[row, 0] = upper
        if abs(corr) > rest[row, 1]:
            rest[row, 1] = abs(corr)
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
        evicted_upper, evicted_mag, evicted = upper, mag, abs(corr)
    else:
        evicted_upper, evicted_mag = lowest_upper, buf_m[row, lowest]
        evicted = abs(buf_c[row, lowest])
        buf_i[row, lowest] = index
        buf_c[row, lowest] = corr
        buf_e[row, lowest] = err
        buf_m[row, lowest] = mag
    if evicted_upper > rest[row, 0]:
        rest[row, 0] = evicted_upper
    if evicted > rest[row, 1]:
        rest[row, 1] = evicted
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
                err = _error_bound(path, extent, l1, l1x, 288.0, mag)
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
                err = _error_bound(path, extent, l1, l1x, 288.0, mag)
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
    rest_magnitude, rest_correlation)`` like one block of
    :func:`clifflasso.lasso.screening.screen`, with global column indices of the family's
    enumeration (:meth:`~clifflasso.families.abs_mirrors.AbsMirrorFamily.table_at`)."""
    return _run(_mirror_rows, x, residual, threshold, rows, ())


def _run(kernel, x, residual, threshold: float, rows: range, constants: tuple):
    """Sort the data, form the prefix sums, run one row kernel over ``rows`` and collect the
    rows' candidates and bounds."""
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
    rest, rest_m = np.zeros((count, 2)), np.zeros(count)
    kernel(
        xs, order.astype(np.int64), s0, s1, l1, l1x, scale, *constants, float(threshold),
        rows.start, rows.start + count, buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m,
    )  # fmt: skip
    kept = np.arange(ROW_CAPACITY)[None, :] < counts[:, None]
    return (
        buf_i[kept],
        buf_c[kept],
        buf_e[kept],
        buf_m[kept],
        float(rest[:, 0].max(initial=0.0)),
        float(rest_m.max(initial=0.0)),
        float(rest[:, 1].max(initial=0.0)),
    )


@njit(parallel=True, cache=True)
def _capped_ramp_rows(
    xs, order, s0, s1, l1, l1x, scale, rho, grow, threshold, first, last,
    buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m,
):  # fmt: skip
    n = xs.shape[0]
    # prefix-sum path with m = 2 kinks: 8 (m + 2) (N + m + 4) u
    path = 32.0 * (n + 6) * _U
    right = np.empty(n)  # R(x_i) = sum over x_m > x_i of lambda_m (x_m - x_i)
    left = np.empty(n)  # L(x_i) = R(x_i) - S_1 + x_i S_0
    for i in range(n):
        p = np.searchsorted(xs, xs[i], side="right")
        right[i] = (s1[n] - s1[p]) - xs[i] * (s0[n] - s0[p])
        left[i] = right[i] - s1[n] + xs[i] * s0[n]
    for row in prange(first, last):
        local = row - first
        code = row // n
        a_pos = row % n
        a = xs[a_pos]
        j1 = order[a_pos]
        for b_pos in range(n):
            b = xs[b_pos]
            # copies are skipped: (+,+) and (-,+) are the ramps at max(a, b) and min(a, b), one
            # per data point (kept at b = a); (+,-) with b <= a and (-,-) with a <= b are 0
            if code == 0:  # (+, +): (x - max(a, b))_+
                if b_pos != a_pos:
                    continue
                corr = right[a_pos]
                cap = 0.0
            elif code == 1:  # (+, -): (b - x)_+ - (a - x)_+ when b > a
                if b <= a:
                    continue
                corr = left[b_pos] - left[a_pos]
                cap = b - a
            elif code == 2:  # (-, +): (min(a, b) - x)_+
                if b_pos != a_pos:
                    continue
                corr = left[a_pos]
                cap = 0.0
            else:  # (-, -): (x - b)_+ - (x - a)_+ when a > b
                if a <= b:
                    continue
                corr = right[b_pos] - right[a_pos]
                cap = a - b
            extent = abs(a) + abs(b) + abs(b - a)
            mag = (scale + abs(a) + cap) * grow
            err = _error_bound(path, extent, l1, l1x, rho, mag)
            index = code * n * n + j1 * n + order[b_pos]
            _keep(local, index, corr, err, mag, threshold,
                  buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m)  # fmt: skip


def capped_ramp_row_count(n_samples: int) -> int:
    """Rows of a pass over the capped ramps of ``n_samples`` points (4 sign pairs x N)."""
    return 4 * n_samples


def capped_ramp_rows(
    x: np.ndarray, residual: np.ndarray, threshold: float, rows: range, depth: int
):
    r"""Screen the rows ``rows`` of the capped-ramp family (module docstring) at ``residual``.

    Row ``s N + i`` holds the columns with sign pair ``s`` (``(+,+), (+,-), (-,+), (-,-)``) and
    first breakpoint the sorted point ``i``; column indices are those of
    :meth:`~clifflasso.families.relu_chains.ReluChainFamily.table_at` (depth 3 or reduced, with
    a first-layer bias). ``depth`` sets the family's feature bound
    :math:`\rho_j = 32L^2 u M_j`. Returns what :func:`mirror_rows` returns."""
    return _run(
        _capped_ramp_rows, x, residual, threshold, rows, (32.0 * depth**2, 1.0 + 4.0 * depth * _U)
    )
