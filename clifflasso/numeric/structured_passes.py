r"""Streamed passes over whole 1-D families at :math:`O(1)` per column, from their structure.

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

**Depth-4 absolute-value vertices** (:func:`abs_vertex_rows`, derived). The unit
:math:`h(x) = \varphi(|x - a|)` with :math:`\varphi(t) = ||t - r_2| - r_3|` has slopes
:math:`\pm 1` and breaks at :math:`a` and at :math:`a \pm t_j` for the breakpoints
:math:`t_j > 0` of :math:`\varphi`: :math:`r_2 - r_3` (coefficient :math:`+1`, when
:math:`r_3 > 0`), :math:`r_2` (:math:`-1` when :math:`r_3 > 0`, :math:`+1` when
:math:`r_3 \le 0`) and :math:`r_2 + r_3` (:math:`+1`, when :math:`r_3 > 0`). So

.. math::

    \lambda^\top h = c_0 T(a) + \sum_j c_j \bigl(T(a - t_j) + T(a + t_j)\bigr)
        + K\sum_n\lambda_n,\qquad c_0 = 1 - 2\sum_j c_j,\quad
        K = \bigl||r_2| - r_3\bigr| - 2\sum_j c_j t_j ,

:math:`T` at seven kinks :math:`a,\ a \pm r_2,\ a \pm r_2 \pm r_3`. Three of them are the data
points that pin the vertex (read from a table of :math:`T(x_n)`); along a row (vertex type and
first point fixed, the other points in sorted order) the other four move monotonically and
follow by pointer walks. *Pruning* (derived): the regions :math:`r_3 < 0`; :math:`r_3 > 0` with
:math:`r_2 > r_3`, :math:`0 < r_2 < r_3`, :math:`-r_3 < r_2 < 0` or :math:`r_2 < -r_3` (and the
sign of :math:`r_2` when :math:`r_3 < 0`) fix the coefficients, so with
:math:`\sum_n\lambda_n = 0` the correlation is, on the closure of each region, a piecewise-linear
function that breaks only where an *active* kink (one with a nonzero coefficient there) crosses a
data point. Its supremum over the closure is reached at a vertex of those crossings and of the
region's boundaries; a boundary is where two kinks meet, so each such vertex is also pinned by
three active events, with a repeated point where it lies on a boundary. A column whose
:math:`(r_2, r_3)` lies inside one region, by more than its rounding error, and one of whose
three pinning kinks is inactive there is therefore skipped: the pass keeps the supremum over
all units, though not every column's correlation. About four columns in five are skipped on
random data.

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


@njit(cache=True, inline="always")
def _walk(xs, position, p, n):
    """``#{x_n < position}`` from a nearby count ``p`` (a pointer walk, either way)."""
    while p < n and xs[p] < position:
        p += 1
    while p > 0 and xs[p - 1] >= position:
        p -= 1
    return p


@njit(cache=True, inline="always")
def _abs_vertex_error(path, size, l1, l1x, rho, scale, snapped, grow):
    """A column's bound and magnitude from :math:`|a| + |r_2| + |r_3|` (``size``): every kink
    and every value is at most it, ``_error_bound`` with extent ``2 size`` plus 32u size l1 for
    the seven kinks rounded from theta and ``snapped`` for the three read at data points."""
    mag = (scale + size) * grow
    err = _error_bound(path, 2.0 * size, l1, l1x, rho, mag)
    return err + (32.0 * _U * size * l1 + snapped) * (1.0 + 1e-6), mag


@njit(cache=True, inline="always")
def _active_kinks(r2, r3, margin):
    r"""Bits of the kinks :math:`a,\ a \pm r_2,\ a \pm r_2 \pm r_3` (event order) at which
    :math:`\varphi(t) = ||t - r_2| - r_3|` breaks, for :math:`(r_2, r_3)` farther than
    ``margin`` from every region boundary (:math:`r_3 = 0,\ r_2 = 0,\ r_2 = \pm r_3`); all
    seven near a boundary."""
    if abs(r3) <= margin or abs(r2) <= margin or abs(r2 - r3) <= margin:
        return 127
    if abs(r2 + r3) <= margin:
        return 127
    if r3 < 0.0:
        return 7 if r2 > 0.0 else 1  # a, a +- r2 when r2 > 0
    if r2 > r3:
        return 127
    if r2 > 0.0:
        return 1 | 2 | 4 | 8 | 64  # a, a +- r2, a +- (r2 + r3)
    if r2 + r3 > 0.0:
        return 1 | 8 | 64  # a, a +- (r2 + r3)
    return 1


@njit(parallel=True, cache=True)
def _abs_vertex_rows(
    xs, order, s0, s1, l1, l1x, scale, coefficients, moving, pinned, pinned_at, events, points,
    rho, inverse_norms, offsets, prune, stride, threshold, first, last,
    buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m,
):  # fmt: skip
    n = xs.shape[0]
    # the T form with 7 kinks: 8 (m + 2) (N + m + 4) u with m = 7; a kink read at its data
    # point is at most 3 x 5u |M^-1| X from the kink of the rounded theta (three of them);
    # magnitudes carry (1 + 4 L u), L = 4
    path = 72.0 * (n + 11) * _U
    total = s0[n]
    grow = 1.0 + 16.0 * _U
    t_data = np.empty(n)
    for m in range(n):
        t_data[m] = _t_at(xs[m], np.searchsorted(xs, xs[m]), s0, s1, n)
    # kinks a + s2 r2 + s3 r3 in the order of the event normals: a, a + r2, a - r2,
    # a + r2 + r3, a + r2 - r3, a - r2 + r3, a - r2 - r3
    s2 = np.array([0.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    s3 = np.array([0.0, 0.0, 0.0, 1.0, -1.0, 1.0, -1.0])
    for row in prange(first, last):
        local = row - first
        kind = row // n
        i = row % n
        if i % stride:
            continue
        count = points[kind]
        c = coefficients[kind]
        snapped = 45.0 * _U * inverse_norms[kind] * scale * l1
        # the rounded r2, r3 are within 5u |M^-1| X of the exact ones (each)
        margin = 16.0 * _U * inverse_norms[kind] * scale
        # one error bound for the whole row, from the largest |a| + |r2| + |r3| of its type;
        # a column is a candidate when its |c| plus that bound reaches the threshold
        largest = 0.0
        for d in range(3):
            largest += (abs(c[d, 0]) + abs(c[d, 1]) + abs(c[d, 2])) * scale
        row_err, row_mag = _abs_vertex_error(
            path, largest * (1.0 + 8.0 * _U), l1, l1x, rho[kind], scale, snapped, grow
        )
        row_top = 0.0
        q0, q1, q2, q3 = moving[kind, 0], moving[kind, 1], moving[kind, 2], moving[kind, 3]
        p0 = p1 = p2 = p3 = 0
        terms = np.empty(7)
        for j in range(0, n if count >= 2 else 1, stride):
            if count >= 2 and j == i:
                continue
            xi, xj = xs[i], xs[j]
            base_a = c[0, 0] * xi + c[0, 1] * xj
            base_r2 = c[1, 0] * xi + c[1, 1] * xj
            base_r3 = c[2, 0] * xi + c[2, 1] * xj
            third_kink = -1
            for e in range(3):
                at = pinned_at[kind, e]
                if at == 0:
                    terms[pinned[kind, e]] = t_data[i]
                elif at == 1:
                    terms[pinned[kind, e]] = t_data[j]
                else:
                    third_kink = pinned[kind, e]
            start = True
            for k in range(0, n if count == 3 else 1, stride):
                if count == 3 and (k == i or k == j):
                    continue
                xl = xs[k]
                a = base_a + c[0, 2] * xl
                r2 = base_r2 + c[1, 2] * xl
                r3 = base_r3 + c[2, 2] * xl
                if prune and events[kind] & ~_active_kinks(r2, r3, margin):
                    continue  # not a vertex where a supremum is attained (module docstring)
                if third_kink >= 0:
                    terms[third_kink] = t_data[k]
                k0 = a + s2[q0] * r2 + s3[q0] * r3
                k1 = a + s2[q1] * r2 + s3[q1] * r3
                k2 = a + s2[q2] * r2 + s3[q2] * r3
                k3 = a + s2[q3] * r2 + s3[q3] * r3
                if start:
                    p0, p1 = np.searchsorted(xs, k0), np.searchsorted(xs, k1)
                    p2, p3 = np.searchsorted(xs, k2), np.searchsorted(xs, k3)
                    start = False
                else:
                    p0, p1 = _walk(xs, k0, p0, n), _walk(xs, k1, p1, n)
                    p2, p3 = _walk(xs, k2, p2, n), _walk(xs, k3, p3, n)
                terms[q0] = _t_at(k0, p0, s0, s1, n)
                terms[q1] = _t_at(k1, p1, s0, s1, n)
                terms[q2] = _t_at(k2, p2, s0, s1, n)
                terms[q3] = _t_at(k3, p3, s0, s1, n)
                # Psi = c0 T(a) + sum_t c_t (T(a - t) + T(a + t)) + K sum(lambda) over the
                # kinks t > 0 of phi(t) = ||t - r2| - r3| (module docstring)
                positive = r3 > 0.0
                c_minus = 1.0 if positive and r2 - r3 > 0.0 else 0.0
                c_plus = 1.0 if positive and r2 + r3 > 0.0 else 0.0
                c_mid = (-1.0 if positive else 1.0) if r2 > 0.0 else 0.0
                c0 = 1.0 - 2.0 * (c_minus + c_mid + c_plus)
                constant = abs(abs(r2) - r3) - 2.0 * (
                    c_minus * (r2 - r3) + c_mid * r2 + c_plus * (r2 + r3)
                )
                corr = (
                    c0 * terms[0]
                    + c_mid * (terms[1] + terms[2])
                    + c_plus * (terms[3] + terms[6])
                    + c_minus * (terms[4] + terms[5])
                    + constant * total
                )
                if abs(corr) + row_err < threshold:
                    row_top = max(row_top, abs(corr))
                    continue
                err, mag = _abs_vertex_error(
                    path, abs(a) + abs(r2) + abs(r3), l1, l1x, rho[kind], scale, snapped, grow
                )
                local_index = order[i]
                if count >= 2:
                    local_index = local_index * n + order[j]
                if count == 3:
                    local_index = local_index * n + order[k]
                _keep(local, offsets[kind] + local_index, corr, err, mag, threshold,
                      buf_i, buf_c, buf_e, buf_m, counts, rest, rest_m)  # fmt: skip
        # the columns below the threshold, bounded with the row's error bound
        if row_top > 0.0:
            rest[local, 0] = max(rest[local, 0], row_top + row_err)
            rest[local, 1] = max(rest[local, 1], row_top)
            rest_m[local] = max(rest_m[local], row_mag)


def abs_vertex_rows(
    x: np.ndarray,
    residual: np.ndarray,
    threshold: float,
    rows: range,
    kinds,
    prune: bool,
    stride: int = 1,
):
    r"""Screen the rows ``rows`` of the depth-4 absolute-value vertices (module docstring).

    ``kinds`` holds, per vertex type, the coefficients (types, 3, 3) of
    :math:`\theta = (a, r_2, r_3)` in its points (dyadic, exact), the point (0, 1, 2) at which
    each of the seven kinks lies when it is an event of the type (else -1), the number of
    distinct points, the family's rounding factor :math:`c_j`,
    :math:`\|M_t^{-1}\|_\infty` and the type's first column. Row ``t N + i``
    holds the columns of type ``t`` whose first point is the sorted point ``i``. Returns what
    :func:`mirror_rows` returns, with column indices of
    :meth:`~clifflasso.families.abs_vertices.AbsVertexGrid.table_at`. ``stride > 1`` screens
    only the columns whose points are all at sorted positions divisible by it (a coarse pass,
    about ``stride**-3`` of the work; its bounds say nothing about the other columns)."""
    return _run(_abs_vertex_rows, x, residual, threshold, rows, (*kinds, prune, stride))
