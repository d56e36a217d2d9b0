r"""Exact rational linear algebra for the Lasso (FLINT through ``python-flint``).

Every float is a dyadic rational, so a float problem has an exact solution that can be
computed and checked without rounding. :func:`exact_kkt` solves the sign-fixed KKT system of
a support,

.. math::

    A_S^\top A_S\, z_S = A_S^\top y - \beta s,\qquad \lambda = y - A_S z_S,

over the rationals on a maximal independent subset of the support (FLINT's ``fmpq_mat``:
fraction-free elimination, orders of magnitude faster than :class:`fractions.Fraction`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import flint
import numpy as np


def fmpq(value) -> flint.fmpq:
    """An exact ``fmpq`` from an int, a float (its binary value) or a Fraction."""
    if isinstance(value, flint.fmpq):
        return value
    if isinstance(value, (int, np.integer)):
        return flint.fmpq(int(value))
    if isinstance(value, Fraction):
        return flint.fmpq(value.numerator, value.denominator)
    numerator, denominator = Fraction(float(value)).as_integer_ratio()
    return flint.fmpq(numerator, denominator)


def fraction(value: flint.fmpq) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def matrix(rows: Sequence[Sequence]) -> flint.fmpq_mat:
    """An exact ``fmpq_mat`` from a 2-D array of floats, ints or Fractions."""
    rows = [list(row) for row in rows]
    n_rows, n_cols = len(rows), (len(rows[0]) if rows else 0)
    return flint.fmpq_mat(n_rows, n_cols, [fmpq(v) for row in rows for v in row])


def column(values: Sequence) -> flint.fmpq_mat:
    return flint.fmpq_mat(len(values), 1, [fmpq(v) for v in values])


def entries(M: flint.fmpq_mat) -> list[flint.fmpq]:
    return list(M.entries())


def pivot_columns(M: flint.fmpq_mat) -> list[int]:
    """Indices of a maximal linearly independent set of columns (pivots of the rref)."""
    reduced, rank = M.rref()
    pivots = []
    for i in range(rank):
        for j in range(M.ncols()):
            if reduced[i, j] != 0:
                pivots.append(j)
                break
    return pivots


def submatrix(M: flint.fmpq_mat, columns: Sequence[int]) -> flint.fmpq_mat:
    return flint.fmpq_mat(
        M.nrows(), len(columns), [M[i, j] for i in range(M.nrows()) for j in columns]
    )


def exact_kkt(
    A: flint.fmpq_mat,
    y: flint.fmpq_mat,
    signs: Sequence[int],
    beta: flint.fmpq,
    weights: Sequence | None = None,
) -> tuple[list[int], list[flint.fmpq], flint.fmpq_mat]:
    r"""``(kept, z_kept, residual)``: the exact solution of the sign-fixed KKT system

    .. math::

        A_K^\top W A_K\, z_K = A_K^\top W y - \beta s_K,\qquad r = y - A_K z_K,

    on a maximal independent subset :math:`K` (``kept``) of the columns of ``A``; a column with
    sign 0 is unpenalised (an intercept column of ones, say). :math:`W` is the diagonal of
    ``weights`` (identity by default)."""
    if A.ncols() == 0:
        return [], [], y
    kept = pivot_columns(A)
    if not kept:
        return [], [], y
    B = submatrix(A, kept)
    Bt = B.transpose()
    if weights is not None:
        scale = [fmpq(w) for w in weights]
        Bt = flint.fmpq_mat(
            Bt.nrows(),
            Bt.ncols(),
            [Bt[i, n] * scale[n] for i in range(Bt.nrows()) for n in range(Bt.ncols())],
        )
    rhs = Bt * y - column([signs[j] for j in kept]) * beta
    z = (Bt * B).solve(rhs)
    return kept, entries(z), y - B * z
