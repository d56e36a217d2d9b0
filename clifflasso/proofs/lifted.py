r"""Lifted chambers: certificates for depth-3 absolute-value chains with the Euclidean norm, d >= 2.

A normalised depth-3 unit :math:`|w_2|w\cdot x + b_1| + b_2| = |w_2|\,\bigl||w\cdot x - a| -
r\bigr|` (:math:`a = -b_1`, :math:`r = -b_2/w_2`; derived) has the lifted parameter
:math:`\theta = (w, a, r) \in \mathbb R^{d+2}` and the feature

.. math::

    F_\theta(x) = \bigl||w\cdot x - a| - r\bigr| , \qquad \|w\|_2 = 1

(without a first-layer bias :math:`a` is dropped and :math:`\theta = (w, r)`). With
:math:`t_n = (x_n, -1, 0)` and :math:`e_r = (0, \dots, 0, 1)`, on the data
:math:`\theta \mapsto F_\theta(x_n)` is linear on each cell of the central arrangement of the
event hyperplanes

.. math::

    t_n = (x_n, -1, 0),\quad t_n - e_r = (x_n, -1, -1),\quad t_n + e_r = (x_n, -1, +1)

in the lifted space (derived): with :math:`p_n = \operatorname{sign}(t_n\cdot\theta)`, the inner
value is :math:`|t_n\cdot\theta| - r = g_n\cdot\theta`, :math:`g_n = p_n t_n - e_r`, whose sign
:math:`q_n` is that of :math:`t_n - e_r` (:math:`p_n = +1`) or of :math:`-(t_n + e_r)`
(:math:`p_n = -1`), and :math:`F_\theta(x_n) = q_n\,g_n\cdot\theta`. The cells of the arrangement
with the same :math:`(p, q)` are merged into the cone

.. math::

    C_{p,q} = \{\theta : p_n\,t_n\cdot\theta \ge 0,\ q_n\,g_n\cdot\theta \ge 0\ \forall n\},
    \qquad \mu^\top F_\theta = c_{p,q}\cdot\theta,\quad c_{p,q} = \sum_n \mu_n q_n g_n ,

and the supremum over it is the SOCP :math:`\max \pm c_{p,q}\cdot\theta` s.t.
:math:`\theta \in C_{p,q}`, :math:`\|w\|_2 \le 1`, bounded in exact arithmetic by
:func:`clifflasso.proofs.chambers.cell_supremum` (the free coordinates :math:`a, r` must be
cancelled exactly by the multipliers). The reflection :math:`(w, a, r) \mapsto (-w, -a, r)`
preserves :math:`\|w\|` and :math:`F_\theta` and maps :math:`C_{p,q}` onto :math:`C_{-p,q}`, so
one cone of each such pair is solved. The cells are enumerated exactly
(:func:`clifflasso.proofs.arrangement.cell_patterns`) and counted before any SOCP is solved.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb

from clifflasso.proofs.chambers import Cell, ChamberOutcome, cell_supremum, data_exponent

Row = tuple[Fraction, ...]
#: Most merged cells (one SOCP pair each) a lifted certificate solves.
DEFAULT_MAX_CELLS = 2_000
#: Most cells of the event arrangement (Cover's bound, before enumeration) enumerated exactly.
DEFAULT_MAX_ARRANGEMENT = 20_000


class CellLimitError(ValueError):
    """The lifted arrangement has more cells than a certificate solves (one line, the count)."""


def _lifted_rows(data_rows, bias: bool) -> tuple[list[Row], Row]:
    r"""The rows :math:`t_n = (x_n, -1, 0)` (:math:`(x_n, 0)` without a first-layer bias) and
    :math:`e_r`."""
    t = [tuple(row) + ((Fraction(-1),) if bias else ()) + (Fraction(0),) for row in data_rows]
    size = len(t[0])
    e_r = tuple(Fraction(int(k == size - 1)) for k in range(size))
    return t, e_r


def _event_normals(t: list[Row], e_r: Row) -> list[Row]:
    r"""The distinct event hyperplanes :math:`t_n, t_n - e_r, t_n + e_r` (module docstring)."""
    events: dict[Row, None] = {}
    for row in t:
        for shift in (0, -1, 1):
            events.setdefault(tuple(v + shift * e for v, e in zip(row, e_r)), None)
    return list(events)


def _inner(p: bool, t_n: Row, e_r: Row) -> Row:
    r""":math:`g_n = p_n t_n - e_r` (module docstring)."""
    sign = 1 if p else -1
    return tuple(sign * v - e for v, e in zip(t_n, e_r))


def lifted_patterns(
    arch,
    data_rows,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_arrangement: int = DEFAULT_MAX_ARRANGEMENT,
) -> list[tuple[tuple[bool, bool], ...]]:
    r"""The sign vectors :math:`(p_n, q_n)_n` (True for +1) of the merged cones :math:`C_{p,q}`
    of the module docstring, one per reflected pair, exactly.

    Raises :class:`CellLimitError` when Cover's bound :math:`2\sum_{k<r}\binom{M-1}{k}` on the
    cells of the :math:`M` event hyperplanes (rank :math:`r`) exceeds ``max_arrangement``
    (before enumerating), or when more than ``max_cells`` cones remain."""
    from clifflasso.proofs.arrangement import _independent, cell_patterns

    if arch.activation != "abs" or arch.depth != 3:
        raise ValueError(
            f"lifted chambers cover abs depth 3, not {arch.activation} depth {arch.depth}"
        )
    t, e_r = _lifted_rows(data_rows, arch.bias)
    events = _event_normals(t, e_r)
    nonzero = [row for row in events if any(row)]
    rank = len(_independent(nonzero))
    bound = 2 * sum(comb(len(nonzero) - 1, k) for k in range(rank))
    if bound > max_arrangement:
        raise CellLimitError(
            f"the lifted arrangement ({len(nonzero):,} event hyperplanes in rank {rank}) may have "
            f"up to {bound:,} cells, more than max_arrangement={max_arrangement:,}"
        )
    index = {row: k for k, row in enumerate(events)}
    merged: set[tuple[tuple[bool, bool], ...]] = set()
    cells = cell_patterns(events)
    for pattern in cells:
        key = []
        for row in t:
            p = bool(pattern[index[row]])
            g = _inner(p, row, e_r)
            q = bool(pattern[index[g]]) if g in index else not pattern[index[tuple(-v for v in g)]]
            key.append((p, q))
        reflected = tuple((not p if any(row) else p, q) for row, (p, q) in zip(t, key))
        merged.add(max(tuple(key), reflected))
    if len(merged) > max_cells:
        raise CellLimitError(
            f"the lifted arrangement has {len(cells):,} cells, {len(merged):,} cones to solve, "
            f"more than max_cells={max_cells:,}"
        )
    return sorted(merged, reverse=True)


def lifted_column(data_rows, bias: bool, unit: tuple[Fraction, ...]) -> list[Fraction]:
    r"""Exact values :math:`\bigl||w\cdot x_n - a| - r\bigr|` of a rational (unnormalised) lifted
    unit :math:`\theta = (w, a, r)` (:math:`(w, r)` without a first-layer bias)."""
    d = len(unit) - 1 - int(bias)
    a = unit[d] if bias else Fraction(0)
    r = unit[-1]
    return [
        abs(abs(sum((x * w for x, w in zip(row, unit[:d])), Fraction(0)) - a) - r)
        for row in data_rows
    ]


def lifted_chamber_bound(
    solution, mu: list[Fraction], patterns: list[tuple[tuple[bool, bool], ...]]
) -> ChamberOutcome:
    r"""The exact bound on :math:`\sup_\theta|\mu^\top F_\theta|` over the cones
    :math:`C_{p,q}` of ``patterns`` (:func:`lifted_patterns`) and the best rational unit
    :math:`(w, a, r)` found (module docstring)."""
    D = solution.dictionary
    arch = D.arch
    data_rows = [tuple(row) for row in D.data.exact]
    t, e_r = _lifted_rows(data_rows, arch.bias)
    cells = []
    for key in patterns:
        constraints: list[Row] = []
        correlation = [Fraction(0)] * len(e_r)
        for m, row, (p, q) in zip(mu, t, key):
            g = _inner(p, row, e_r)
            constraints.append(row if p else tuple(-v for v in row))
            constraints.append(g if q else tuple(-v for v in g))
            sign = m if q else -m
            correlation = [c + sign * v for c, v in zip(correlation, g)]
        cells.append(Cell(tuple(constraints), tuple(correlation)))
    return cell_supremum(
        cells,
        mu,
        D.data.dim,
        int(arch.bias) + 1,
        data_exponent(D.X),
        lambda unit: lifted_column(data_rows, arch.bias, unit),
    )


def lifted_parameters(unit, dim: int, bias: bool) -> tuple[dict, tuple[float, ...]]:
    r"""The normalised parameters ``{"weights": w, "a": a, "r": r}`` (divided by
    :math:`\|w\|_2`) of a lifted unit, and the chain parameters :math:`(w, b_1, b_2) = (w, -a,
    -r)` of :func:`clifflasso.proofs.sampling.chain_values`."""
    values = [float(v) for v in unit]
    norm = sum(v * v for v in values[:dim]) ** 0.5
    weights = tuple(v / norm for v in values[:dim])
    a = values[dim] / norm if bias else 0.0
    r = values[-1] / norm
    return {"weights": weights, "a": a, "r": r}, (*weights, -a, -r)
