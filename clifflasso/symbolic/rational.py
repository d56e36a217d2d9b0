r"""Exact rational linear algebra for closed forms: determinants and generalized cross products.

The determinant is elimination over the rationals; the generalized cross product is the formula
derived in :mod:`clifflasso.symbolic.geometric`, lowered to exact arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def determinant(rows: Sequence[Sequence[Fraction]]) -> Fraction:
    """Exact determinant by Gaussian elimination over the rationals."""
    matrix = [list(map(Fraction, row)) for row in rows]
    size = len(matrix)
    value = Fraction(1)
    for col in range(size):
        pivot = next((r for r in range(col, size) if matrix[r][col] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != col:
            matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
            value = -value
        value *= matrix[col][col]
        for r in range(col + 1, size):
            factor = matrix[r][col] / matrix[col][col]
            if factor:
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[col])]
    return value


def integer_determinant(rows: Sequence[Sequence[int]]) -> int:
    """Exact determinant of an integer matrix by fraction-free (Bareiss) elimination: every
    intermediate is an integer (a minor of the matrix), so no rationals are formed."""
    matrix = [list(row) for row in rows]
    size, sign, previous = len(matrix), 1, 1
    for k in range(size - 1):
        pivot = next((r for r in range(k, size) if matrix[r][k] != 0), None)
        if pivot is None:
            return 0
        if pivot != k:
            matrix[k], matrix[pivot] = matrix[pivot], matrix[k]
            sign = -sign
        for i in range(k + 1, size):
            for j in range(k + 1, size):
                numerator = matrix[i][j] * matrix[k][k] - matrix[i][k] * matrix[k][j]
                matrix[i][j] = numerator // previous
        previous = matrix[k][k]
    return sign * matrix[-1][-1] if size else 1


def generalized_cross(rows: Sequence[Sequence[Fraction]]) -> tuple[Fraction, ...]:
    r"""The vector :math:`g = \times(b_1, \dots, b_{D-1})`, :math:`g\cdot x = \det[x; b_1; \dots]`,
    in exact arithmetic: the formula of :mod:`clifflasso.symbolic.geometric` lowered by
    :func:`clifflasso.symbolic.lowering.cross_product`."""
    from clifflasso.symbolic.lowering import cross_product

    rows = [tuple(map(Fraction, row)) for row in rows]
    dim = len(rows) + 1
    if any(len(row) != dim for row in rows):
        raise ValueError(f"need {dim - 1} vectors of length {dim}")
    if dim == 1:
        return (Fraction(1),)
    return tuple(cross_product(dim, "exact")(*(v for row in rows for v in row)))
