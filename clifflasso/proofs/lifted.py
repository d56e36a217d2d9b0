r"""Lifted chambers: certificates for depth-3 chains with the Euclidean norm in d >= 2.

A normalised depth-3 unit has the lifted parameter :math:`\theta = (w, a, r) \in
\mathbb R^{d+2}`, :math:`\|w\|_2 = 1`, and the feature (derived: the chain
:math:`\sigma(w_2\,\sigma(w\cdot x + b_1) + b_2)` divided by :math:`|w_2|`, with
:math:`a = -b_1`, :math:`r = -b_2/w_2`, :math:`s = \operatorname{sign} w_2`)

.. math::

    \text{abs: } F_\theta(x) = \bigl||w\cdot x - a| - r\bigr| , \qquad
    \text{ReLU: } F_\theta(x) = \bigl(s\,((w\cdot x - a)_+ - r)\bigr)_+,\ s = \pm 1

(without a first-layer bias :math:`a` is dropped and :math:`\theta = (w, r)`). With
:math:`t_n = (x_n, -1, 0)` and :math:`e_r = (0, \dots, 0, 1)`, on the data
:math:`\theta \mapsto F_\theta(x_n)` is linear on each cell of the central arrangement of the
event hyperplanes in the lifted space (derived)

.. math::

    \text{abs: } t_n,\ t_n - e_r = (x_n, -1, -1),\ t_n + e_r = (x_n, -1, +1);\qquad
    \text{ReLU: } t_n,\ t_n - e_r \text{ per point, and } e_r\ (r = 0).

On a cell, let :math:`p_n = [t_n\cdot\theta > 0]` and :math:`\sigma'(p)` the activation's
slope on that side (abs :math:`\pm1`, ReLU 1 or 0); the inner value is
:math:`\sigma(t_n\cdot\theta) - r = g_n\cdot\theta`, :math:`g_n = \sigma'(p_n)\,t_n - e_r`
(:math:`\pm` an event vector), let :math:`q_n = [s\,g_n\cdot\theta > 0]` (:math:`s = 1` for abs);
then :math:`F_\theta(x_n) = \sigma'(q_n)\,s\,g_n\cdot\theta`. The cells with the same
:math:`(s, p, q)` are merged into the cone

.. math::

    C_{s,p,q} = \{\theta : (2p_n - 1)\,t_n\cdot\theta \ge 0,\
    (2q_n - 1)\,s\,g_n\cdot\theta \ge 0\ \forall n\},\qquad
    \mu^\top F_\theta = c\cdot\theta,\quad c = \sum_n \mu_n\,\sigma'(q_n)\,s\,g_n ,

and the supremum over it is the SOCP :math:`\max \pm c\cdot\theta` s.t.
:math:`\theta \in C_{s,p,q}`, :math:`\|w\|_2 \le 1`, bounded in exact arithmetic by
:func:`clifflasso.proofs.chambers.cell_supremum` (the free coordinates :math:`a, r` must be
cancelled exactly by the multipliers). For abs, the reflection :math:`(w, a, r) \mapsto
(-w, -a, r)` preserves :math:`\|w\|` and :math:`F_\theta` and maps :math:`C_{p,q}` onto
:math:`C_{\bar p,q}`, so one cone of each such pair is solved. The cells are enumerated exactly
(:func:`clifflasso.proofs.arrangement.cell_patterns`) and counted before any SOCP is solved.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb

from clifflasso.proofs.chambers import Cell, ChamberOutcome, cell_supremum, data_exponent

Row = tuple[Fraction, ...]
#: A merged cone: the hidden sign s and the signs (p_n, q_n) of every point.
Cone = tuple[int, tuple[tuple[bool, bool], ...]]
#: Most merged cones (one SOCP pair each, about 10 ms) a lifted certificate solves by default.
DEFAULT_MAX_CELLS = 2_000
#: The arrangement is enumerated only when Cover's bound on its cells is at most this many times
#: ``max_cells`` (the exact enumeration costs about 1 ms per cell).
ENUMERATION_FACTOR = 10
#: Architectures with lifted chambers (activation, depth).
LIFTED = (("abs", 3), ("relu", 3))


class CellLimitError(ValueError):
    """The lifted arrangement has more cells than a certificate solves (one line, the count)."""


def _lifted_rows(data_rows, bias: bool) -> tuple[list[Row], Row]:
    r"""The rows :math:`t_n = (x_n, -1, 0)` (:math:`(x_n, 0)` without a first-layer bias) and
    :math:`e_r`."""
    t = [tuple(row) + ((Fraction(-1),) if bias else ()) + (Fraction(0),) for row in data_rows]
    size = len(t[0])
    e_r = tuple(Fraction(int(k == size - 1)) for k in range(size))
    return t, e_r


def _event_normals(activation: str, t: list[Row], e_r: Row) -> list[Row]:
    """The distinct event hyperplanes of the module docstring."""
    shifts = (0, -1, 1) if activation == "abs" else (0, -1)
    events: dict[Row, None] = {}
    for row in t:
        for shift in shifts:
            events.setdefault(tuple(v + shift * e for v, e in zip(row, e_r)), None)
    if activation == "relu":
        events.setdefault(e_r, None)
    return list(events)


def _slope(activation: str, positive: bool) -> int:
    r""":math:`\sigma'` on one side of the kink: abs :math:`\pm1`, ReLU 1 or 0."""
    if activation == "abs":
        return 1 if positive else -1
    return int(positive)


def _inner(activation: str, p: bool, t_n: Row, e_r: Row) -> Row:
    r""":math:`g_n = \sigma'(p_n)\,t_n - e_r` (module docstring)."""
    slope = _slope(activation, p)
    return tuple(slope * v - e for v, e in zip(t_n, e_r))


def _negated(row: Row) -> Row:
    return tuple(-v for v in row)


def lifted_patterns(
    arch,
    data_rows,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> list[Cone]:
    r"""The merged cones :math:`C_{s,p,q}` of the module docstring as ``(s, ((p_n, q_n), ...))``
    (True for a positive sign), exactly; for abs one of each reflected pair.

    Raises :class:`CellLimitError` when Cover's bound :math:`2\sum_{k<r}\binom{M-1}{k}` on the
    cells of the :math:`M` event hyperplanes (rank :math:`r`) exceeds
    :data:`ENUMERATION_FACTOR` times ``max_cells`` (before enumerating), or when more than
    ``max_cells`` cones remain."""
    from clifflasso.lasso import rational
    from clifflasso.proofs.arrangement import cell_patterns

    activation = arch.activation
    if (activation, arch.depth) not in LIFTED:
        raise ValueError(
            f"lifted chambers cover abs and relu depth 3, not {activation} depth {arch.depth}"
        )
    t, e_r = _lifted_rows(data_rows, arch.bias)
    events = _event_normals(activation, t, e_r)
    nonzero = [list(row) for row in events if any(row)]
    rank = len(rational.pivot_columns(rational.matrix(nonzero).transpose()))
    bound = 2 * sum(comb(len(nonzero) - 1, k) for k in range(rank))
    if bound > ENUMERATION_FACTOR * max_cells:
        raise CellLimitError(
            f"the lifted arrangement ({len(nonzero):,} event hyperplanes in rank {rank}) may have "
            f"up to {bound:,} cells, more than {ENUMERATION_FACTOR} x max_cells="
            f"{max_cells:,} (certify(..., max_cells=...) raises the limit)"
        )
    index = {row: k for k, row in enumerate(events)}
    signs = (1,) if activation == "abs" else (1, -1)
    merged: set[Cone] = set()
    cells = cell_patterns(events)
    for pattern in cells:
        sides = []
        for row in t:
            p = bool(pattern[index[row]])
            g = _inner(activation, p, row, e_r)
            positive = bool(pattern[index[g]]) if g in index else not pattern[index[_negated(g)]]
            sides.append((p, positive))
        for s in signs:
            key = tuple((p, positive == (s > 0)) for p, positive in sides)
            if activation == "abs":
                reflected = tuple((not p if any(row) else p, q) for row, (p, q) in zip(t, key))
                key = max(key, reflected)
            merged.add((s, key))
    if len(merged) > max_cells:
        raise CellLimitError(
            f"the lifted arrangement has {len(cells):,} cells, {len(merged):,} cones to solve, "
            f"more than max_cells={max_cells:,} (certify(..., max_cells=...) raises the limit)"
        )
    return sorted(merged, reverse=True)


def lifted_column(
    activation: str, data_rows, bias: bool, unit: tuple[Fraction, ...], sign: int = 1
) -> list[Fraction]:
    r"""Exact values :math:`F_\theta(x_n)` (module docstring) of a rational (unnormalised)
    lifted unit :math:`\theta = (w, a, r)` (:math:`(w, r)` without a first-layer bias) with
    hidden sign ``sign`` (ReLU)."""
    d = len(unit) - 1 - int(bias)
    a = unit[d] if bias else Fraction(0)
    r = unit[-1]
    values = []
    for row in data_rows:
        inner = sum((x * w for x, w in zip(row, unit[:d])), Fraction(0)) - a
        if activation == "abs":
            values.append(abs(abs(inner) - r))
        else:
            values.append(max(Fraction(0), sign * (max(inner, Fraction(0)) - r)))
    return values


def lifted_chamber_bound(solution, mu: list[Fraction], cones: list[Cone]) -> ChamberOutcome:
    r"""The exact bound on :math:`\sup_\theta|\mu^\top F_\theta|` over ``cones``
    (:func:`lifted_patterns`) and the best rational unit :math:`(w, a, r)` found (module
    docstring)."""
    D = solution.dictionary
    arch = D.arch
    activation = arch.activation
    data_rows = [tuple(row) for row in D.data.exact]
    t, e_r = _lifted_rows(data_rows, arch.bias)
    cells = []
    for s, key in cones:
        constraints: list[Row] = []
        correlation = [Fraction(0)] * len(e_r)
        for m, row, (p, q) in zip(mu, t, key):
            g = tuple(s * v for v in _inner(activation, p, row, e_r))
            constraints.append(row if p else _negated(row))
            constraints.append(g if q else _negated(g))
            weight = m * _slope(activation, q)
            correlation = [c + weight * v for c, v in zip(correlation, g)]
        cells.append(Cell(tuple(constraints), tuple(correlation), s))
    return cell_supremum(
        cells,
        mu,
        D.data.dim,
        int(arch.bias) + 1,
        data_exponent(D.X),
        lambda unit, sign: lifted_column(activation, data_rows, arch.bias, unit, sign),
    )


def lifted_parameters(outcome: ChamberOutcome, dim: int, bias: bool, activation: str) -> dict:
    r"""The best unit's normalised parameters ``{"weights": w, "a": a, "r": r}`` (divided by
    :math:`\|w\|_2`), and ``"s"``, the hidden sign, for ReLU."""
    values = [float(v) for v in outcome.unit]
    norm = sum(v * v for v in values[:dim]) ** 0.5
    parameters = {
        "weights": tuple(v / norm for v in values[:dim]),
        "a": values[dim] / norm if bias else 0.0,
        "r": values[-1] / norm,
    }
    if activation == "relu":
        parameters["s"] = outcome.unit_sign
    return parameters
