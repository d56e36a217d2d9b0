r"""Exact and symbolic geometric algebra of :math:`\mathbb{R}^d` (galgebra on sympy).

Conventions:

* :math:`G(\mathbb{R}^d)` has the orthonormal basis :math:`e_1, \dots, e_d` and the pseudoscalar
  :math:`I = e_1 e_2 \cdots e_d`.
* The blade :math:`B = b_1 \wedge \dots \wedge b_k` has as coordinates the :math:`k \times k`
  minors of the matrix with rows :math:`b_i`; :math:`\|B\| = \sqrt{\det(B B^\top)}`.
* The generalized cross product is the dual :math:`\times(b_1, \dots, b_{d-1}) = B I^{-1}`, the
  vector :math:`g` with :math:`g \cdot x = \det[x; b_1; \dots; b_{d-1}]`. This is ``clifford``'s
  ``.dual()``; galgebra's default dual mode ``'I+'`` (:math:`B I`) differs from it by the sign
  :math:`(-1)^{d(d-1)/2}`, so every galgebra dual here runs under the mode ``'Iinv+'``, which is
  set for the call only (galgebra keeps the mode as global state, see :func:`dual_mode`).
* Biases enter through homogeneous coordinates :math:`\tilde x = (x, 1) \in \mathbb{R}^{d+1}`.

Vectors are accepted as sequences (or sympy matrices) of sympy expressions, integers or
:class:`fractions.Fraction`; vector results are sympy column matrices. Polynomial results are
expanded; rational results are an expanded numerator over an expanded denominator, which sympy
evaluates to a single rational when the inputs are numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, Literal, TypeAlias

import sympy as sp

if TYPE_CHECKING:
    from galgebra.mv import Mv

Scalar: TypeAlias = sp.Expr | int | Fraction
VectorLike: TypeAlias = Sequence[Scalar] | sp.MatrixBase
CrossMethod: TypeAlias = Literal["cofactor", "galgebra"]

#: galgebra dual mode :math:`A \mapsto A I^{-1}`, the convention of this package.
DUAL_MODE = "Iinv+"


@contextmanager
def dual_mode(mode: str = DUAL_MODE) -> Iterator[None]:
    """Set galgebra's global ``Ga.dual_mode`` for the ``with`` block and restore it afterwards."""
    from galgebra.ga import Ga

    saved = Ga.dual_mode_value
    Ga.dual_mode(mode)
    try:
        yield
    finally:
        Ga.dual_mode(saved)


class EuclideanAlgebra:
    r"""The Clifford algebra :math:`G(\mathbb{R}^d)` with :math:`e_i \cdot e_j = \delta_{ij}`.

    Build it with :func:`euclidean_algebra`, which caches one instance per dimension.
    """

    def __init__(self, dim: int) -> None:
        if dim < 1:
            raise ValueError(f"dimension must be positive, got {dim}")
        from galgebra.ga import Ga  # on first use: galgebra is slow to import

        self.dim = dim
        self.ga, *basis = Ga.build(" ".join(f"e{i}" for i in range(1, dim + 1)), g=[1] * dim)
        self.basis: tuple[Mv, ...] = tuple(basis)

    def vector(self, coordinates: VectorLike) -> Mv:
        r"""The grade-1 element :math:`\sum_i c_i e_i`."""
        column = _column(coordinates)
        if len(column) != self.dim:
            raise ValueError(f"expected {self.dim} coordinates, got {len(column)}")
        return sum((c * e for c, e in zip(column, self.basis)), self.ga.mv(0))

    def coordinates(self, vector: Mv) -> sp.Matrix:
        """Coordinates on :math:`e_1, \\dots, e_d` (raises if ``vector`` has another grade)."""
        return sp.Matrix([sp.expand(c) for c in vector.get_coefs(1)])

    def wedge(self, vectors: Sequence[VectorLike]) -> Mv:
        r"""The blade :math:`b_1 \wedge \dots \wedge b_k`."""
        if len(vectors) == 0:
            raise ValueError("need at least one vector")
        blade = self.vector(vectors[0])
        for v in vectors[1:]:
            blade = blade ^ self.vector(v)
        return blade

    def dual(self, multivector: Mv) -> Mv:
        r"""The dual :math:`A I^{-1}` (galgebra mode ``'Iinv+'``, global mode left unchanged)."""
        with dual_mode(DUAL_MODE):
            return multivector.dual()


@cache
def euclidean_algebra(dim: int) -> EuclideanAlgebra:
    r"""The cached :class:`EuclideanAlgebra` of :math:`\mathbb{R}^{\mathrm{dim}}`."""
    return EuclideanAlgebra(dim)


def wedge(vectors: Sequence[VectorLike]) -> Mv:
    r"""The blade :math:`B = b_1 \wedge \dots \wedge b_k` as a galgebra multivector.

    Its coordinate on :math:`e_{i_1} \wedge \dots \wedge e_{i_k}` is the minor of the rows
    :math:`b_j` on the columns :math:`i_1 < \dots < i_k`.
    """
    return euclidean_algebra(_dimension(vectors)).wedge(vectors)


def blade_norm(vectors: Sequence[VectorLike]) -> sp.Expr:
    r"""The norm :math:`\|b_1 \wedge \dots \wedge b_k\| = \sqrt{\det(B B^\top)}` (Gram determinant).

    This is the :math:`k`-volume of the parallelotope spanned by the :math:`b_j`.
    The determinant is taken by Laplace expansion.
    """
    matrix = _rows(vectors)
    return sp.sqrt(sp.expand((matrix * matrix.T).det(method="laplace")))


def generalized_cross(
    vectors: Sequence[VectorLike], *, method: CrossMethod = "cofactor"
) -> sp.Matrix:
    r"""The generalized cross product :math:`g = \times(b_1, \dots, b_{d-1}) = B I^{-1}`.

    :math:`g` is the vector with :math:`g \cdot x = \det[x; b_1; \dots; b_{d-1}]` for every
    :math:`x`, so :math:`g \perp b_j` and :math:`\|g\| = \|B\|`.
    ``method="cofactor"`` uses the Laplace expansion along the
    first row, :math:`g_k = (-1)^{k}\det B_{\hat k}` (0-based :math:`k`, :math:`B_{\hat k}` is
    :math:`B` without column :math:`k`); ``method="galgebra"`` computes the dual of the wedge.
    """
    matrix = _rows(vectors)
    count, dim = matrix.shape
    if count != dim - 1:
        raise ValueError(f"need d - 1 vectors in R^d, got {count} vectors in R^{dim}")
    if method == "galgebra":
        algebra = euclidean_algebra(dim)
        return algebra.coordinates(algebra.dual(algebra.wedge(vectors)))
    if method == "cofactor":
        return sp.Matrix([_signed_minor(matrix, k) for k in range(dim)])
    raise ValueError(f"unknown method {method!r}")


@cache
def _permutations(size: int) -> tuple[tuple[tuple[int, ...], bool], ...]:
    """Permutations of ``range(size)`` with their parity (True for odd)."""
    out = []
    for perm in itertools.permutations(range(size)):
        inversions = sum(perm[i] > perm[j] for i in range(size) for j in range(i + 1, size))
        out.append((perm, inversions % 2 == 1))
    return tuple(out)


def _signed_minor(matrix: sp.Matrix, k: int) -> sp.Expr:
    r""":math:`(-1)^k \det B_{\hat k}` by the Leibniz expansion. When every entry is a symbol
    the products are distinct monomials, so the sum is assembled without re-canonicalising
    (fast: the cross product of five symbolic vectors in :math:`\mathbb{R}^6` in milliseconds);
    otherwise it is expanded."""
    minor = _without_column(matrix, k)
    size = minor.rows
    atoms = all(isinstance(entry, sp.Symbol) for entry in minor)
    terms = []
    for perm, odd in _permutations(size):
        factors = [minor[i, perm[i]] for i in range(size)]
        if odd != (k % 2 == 1):
            factors = [sp.S.NegativeOne, *factors]
        terms.append(sp.Mul._from_args(factors) if atoms else sp.Mul(*factors))
    if not atoms:
        return sp.expand(sp.Add(*terms))
    return terms[0] if len(terms) == 1 else sp.Add._from_args(terms)


def rejection(a: VectorLike, vectors: Sequence[VectorLike]) -> sp.Matrix:
    r"""The rejection :math:`(a \wedge B) B^{-1}` of :math:`a` from :math:`\operatorname{span}(B)`.

    With :math:`B^{-1} = \tilde B / \|B\|^2` (:math:`\tilde B` the reversion) the result is the
    component :math:`a - P_{\operatorname{span} B}\, a` of :math:`a` orthogonal to the
    :math:`b_j`. The vectors must be independent.
    """
    algebra = euclidean_algebra(_dimension(vectors))
    blade = algebra.wedge(vectors)
    reverse = blade.rev()
    norm2 = sp.expand((blade * reverse).scalar())
    if norm2 == 0:
        raise ValueError("the vectors are linearly dependent: B = 0 has no inverse")
    numerator = (algebra.vector(a) ^ blade) * reverse
    return algebra.coordinates(numerator) / norm2


def reflect_point(
    x: VectorLike,
    w: VectorLike,
    b: Scalar = 0,
    *,
    method: Literal["formula", "versor"] = "formula",
) -> sp.Matrix:
    r"""Reflect :math:`x` across the hyperplane :math:`\{y : w \cdot y + b = 0\}`.

    ``method="formula"``: :math:`x - 2\,\frac{w \cdot x + b}{\|w\|^2}\, w`.
    ``method="versor"``: :math:`p_0 - w (x - p_0) w^{-1}` with :math:`p_0 = -b\, w/\|w\|^2` the
    foot of the origin on the hyperplane and :math:`w^{-1} = w/\|w\|^2`; for a unit normal
    :math:`n` and :math:`b = 0` this is :math:`-n x n`.
    """
    xv, wv, bias = _column(x), _column(w), sp.sympify(b)
    norm2 = sp.expand(wv.dot(wv))
    if norm2 == 0:
        raise ValueError("the normal w must be nonzero")
    if method == "formula":
        return xv - 2 * (wv.dot(xv) + bias) / norm2 * wv
    if method == "versor":
        algebra = euclidean_algebra(len(wv))
        foot = -bias / norm2 * wv
        normal = algebra.vector(wv)
        sandwich = normal * algebra.vector(xv - foot) * normal
        return foot - algebra.coordinates(sandwich) / norm2
    raise ValueError(f"unknown method {method!r}")


def reflect_hyperplane(
    v: VectorLike, c: Scalar, w: VectorLike, b: Scalar = 0
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Reflect the hyperplane :math:`\{v \cdot y + c = 0\}` across :math:`\{w \cdot y + b = 0\}`.

    With the reflection :math:`R(y) = M y - 2 b\, w/\|w\|^2`,
    :math:`M = \mathbb{1} - 2\, w w^\top/\|w\|^2` (:func:`reflect_point`), the image
    :math:`\{y : v \cdot R(y) + c = 0\}` has normal and offset
    :math:`\bigl(M v,\; c - 2 b\, \frac{v \cdot w}{\|w\|^2}\bigr)`; :math:`M v` is the reflection
    :math:`-w v w^{-1}` of :math:`v` through the origin.
    """
    vv, wv = _column(v), _column(w)
    norm2 = sp.expand(wv.dot(wv))
    normal = reflect_point(vv, wv)
    offset = sp.sympify(c) - 2 * sp.sympify(b) * vv.dot(wv) / norm2
    return normal, offset


def homogeneous(x: VectorLike) -> sp.Matrix:
    r"""Homogeneous coordinates :math:`\tilde x = (x, 1) \in \mathbb{R}^{d+1}`.

    A bias becomes one more weight: :math:`w\cdot x + b = (w, b)\cdot\tilde x`."""
    return _column(x).col_join(sp.Matrix([1]))


def hyperplane_through(
    points: Sequence[VectorLike], *, method: CrossMethod = "cofactor"
) -> tuple[sp.Matrix, sp.Expr]:
    r"""Normal :math:`w` and offset :math:`b` of the hyperplane through :math:`d` points of
    :math:`\mathbb{R}^d`.

    :math:`(w, b) = \times(\tilde p_1, \dots, \tilde p_d) \in \mathbb{R}^{d+1}`, split into its
    first :math:`d` coordinates and its last one, so that
    :math:`w \cdot x + b = \det[\tilde x; \tilde p_1; \dots; \tilde p_d]`, which vanishes at every
    :math:`p_j` and equals :math:`\det[x - p_d; p_1 - p_d; \dots; p_{d-1} - p_d]`.
    ``method`` is passed to :func:`generalized_cross`.
    """
    if len(points) != _dimension(points):
        raise ValueError(f"need d points in R^d, got {len(points)} in R^{_dimension(points)}")
    lifted = generalized_cross([homogeneous(p) for p in points], method=method)
    return lifted[:-1, :], lifted[-1]


def signed_distance(x: VectorLike, points: Sequence[VectorLike]) -> sp.Expr:
    r"""Signed distance :math:`(w \cdot x + b)/\|w\|` from :math:`x` to the hyperplane through
    :math:`p_1, \dots, p_d` (:func:`hyperplane_through`).

    It equals :math:`d \cdot \mathrm{SignedVol}_d(x, p_1, \dots, p_d) /
    \mathrm{Vol}_{d-1}(p_1, \dots, p_d)`; in 2-D, twice the signed area of the triangle
    :math:`(x, p_1, p_2)` over :math:`\|p_1 - p_2\|`, counter-clockwise positive.
    """
    w, b = hyperplane_through(points)
    return (w.dot(_column(x)) + b) / sp.sqrt(sp.expand(w.dot(w)))


def _column(v: VectorLike) -> sp.Matrix:
    return sp.Matrix([sp.sympify(c) for c in v])


def _rows(vectors: Sequence[VectorLike]) -> sp.Matrix:
    dim = _dimension(vectors)
    rows = [list(_column(v)) for v in vectors]
    if any(len(row) != dim for row in rows):
        raise ValueError("all vectors must have the same length")
    return sp.Matrix(rows)


def _dimension(vectors: Sequence[VectorLike]) -> int:
    if len(vectors) == 0:
        raise ValueError("need at least one vector")
    return len(_column(vectors[0]))


def _without_column(matrix: sp.Matrix, k: int) -> sp.Matrix:
    return matrix[:, [j for j in range(matrix.cols) if j != k]]
