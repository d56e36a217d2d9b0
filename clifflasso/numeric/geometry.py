r"""Batched numpy kernels for the formulas of :mod:`clifflasso.symbolic.geometric`.

Every kernel takes stacks of inputs with arbitrary leading (batch) axes and is vectorised over
them; the conventions are those of :mod:`clifflasso.symbolic.geometric`:
:math:`\times(B) = B I^{-1}`, the vector :math:`g` with :math:`g \cdot x = \det[x; B]`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def generalized_cross(B: ArrayLike) -> np.ndarray:
    r"""Generalized cross products :math:`g = \times(b_1, \dots, b_{d-1})` of stacked rows.

    ``B`` has shape ``(..., d - 1, d)``; the result has shape ``(..., d)`` and satisfies
    :math:`g \cdot x = \det[x; b_1; \dots; b_{d-1}]` (the dual :math:`B I^{-1}`). The
    formula is the one derived in :mod:`clifflasso.symbolic.geometric`, lowered to numpy by
    :func:`clifflasso.symbolic.lowering.cross_product` (cofactors, common terms shared):
    :math:`d = 2` gives :math:`(b_2, -b_1)` and :math:`d = 3` the cross product
    :math:`b_1 \times b_2`.
    """
    from clifflasso.symbolic.lowering import cross_product

    B = np.asarray(B, dtype=float)
    rows, dim = B.shape[-2:]
    if rows != dim - 1:
        raise ValueError(f"expected shape (..., d - 1, d), got {B.shape}")
    coordinates = [B[..., i, k] for i in range(rows) for k in range(dim)]
    if dim == 1:
        return np.ones(B.shape[:-2] + (1,))
    return np.stack(np.broadcast_arrays(*cross_product(dim, "numpy")(*coordinates)), axis=-1)


def blade_norm(B: ArrayLike) -> np.ndarray:
    r"""Norms :math:`\|b_1 \wedge \dots \wedge b_k\| = \sqrt{\det(B B^\top)}` of stacked rows.

    ``B`` has shape ``(..., k, d)``; the result has shape ``(...)``. It is computed as the product
    of the singular values of ``B``, which equals the Gram-determinant formula
    :math:`\sqrt{\det(BB^\top)}` without squaring the condition number.
    """
    B = np.asarray(B, dtype=float)
    rows, dim = B.shape[-2:]
    if rows > dim:
        return np.zeros(B.shape[:-2])
    return np.prod(np.linalg.svd(B, compute_uv=False), axis=-1)


def rejection(a: ArrayLike, B: ArrayLike) -> np.ndarray:
    r"""Rejections :math:`(a \wedge B) B^{-1} = a - P_{\operatorname{span} B}\, a` of ``a`` from
    the row spans of ``B``.

    ``a`` has shape ``(..., d)`` and ``B`` shape ``(..., k, d)`` (batch axes broadcast); the
    rows of each ``B`` must be independent. The
    projection uses the reduced QR factorisation :math:`B^\top = Q R`:
    :math:`a - Q Q^\top a`.
    """
    a = np.asarray(a, dtype=float)
    q, _ = np.linalg.qr(np.swapaxes(np.asarray(B, dtype=float), -1, -2))
    coefficients = np.einsum("...dk,...d->...k", q, a)
    return a - np.einsum("...dk,...k->...d", q, coefficients)


def reflect_points(X: ArrayLike, w: ArrayLike, b: ArrayLike = 0.0) -> np.ndarray:
    r"""Reflections :math:`x - 2\,\frac{w \cdot x + b}{\|w\|^2}\, w` across
    :math:`\{y : w \cdot y + b = 0\}`.

    ``X`` and ``w`` have shapes ``(..., d)`` and ``b`` shape ``(...)``; all batch axes broadcast.
    """
    X, w, b = (np.asarray(t, dtype=float) for t in (X, w, b))
    scale = 2 * ((X * w).sum(axis=-1) + b) / (w * w).sum(axis=-1)
    return X - scale[..., None] * w


def hyperplanes_through(P: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Normals :math:`w` and offsets :math:`b` of the hyperplanes through stacked point sets.

    ``P`` has shape ``(..., d, d)`` (``d`` points of :math:`\mathbb{R}^d` per set);
    :math:`(w, b) = \times(\tilde p_1, \dots, \tilde p_d)` with :math:`\tilde p = (p, 1)`, so
    :math:`w \cdot x + b = \det[\tilde x; \tilde p_1; \dots; \tilde p_d]`.
    Returns arrays of shapes ``(..., d)`` and ``(...)``.
    """
    P = np.asarray(P, dtype=float)
    count, dim = P.shape[-2:]
    if count != dim:
        raise ValueError(f"expected shape (..., d, d), got {P.shape}")
    lifted = generalized_cross(np.concatenate([P, np.ones(P.shape[:-1] + (1,))], axis=-1))
    return lifted[..., :dim], lifted[..., dim]
