"""Validation and conversion of user data (X, y) into float and exact-rational form."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp


@dataclass(frozen=True)
class Data:
    """Validated training inputs.

    ``values`` is the float64 array of shape (N, d); ``exact`` holds the same entries as
    :class:`fractions.Fraction` (floats are converted to their exact binary value), so
    symbolic evaluation is exact for every input.
    """

    values: np.ndarray
    exact: tuple[tuple[Fraction, ...], ...]
    given_exactly: bool

    @property
    def n_samples(self) -> int:
        return self.values.shape[0]

    @property
    def dim(self) -> int:
        return self.values.shape[1]

    def column(self, k: int = 0) -> tuple[Fraction, ...]:
        """Exact values of coordinate ``k`` of every sample."""
        return tuple(row[k] for row in self.exact)


def _to_fraction(value: object) -> tuple[Fraction, bool]:
    """Return (exact value, whether the input was already exact)."""
    if isinstance(value, bool):
        raise ValueError("X must be numeric, got a boolean")
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value)), True
    if isinstance(value, Fraction):
        return value, True
    if isinstance(value, sp.Basic):
        if not value.is_number:
            raise ValueError(
                f"X contains the symbolic entry {value}; numeric dictionaries need numbers "
                "(use clifflasso.symbolic for formulas in symbols)"
            )
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q)), True
        value = float(value)
    if isinstance(value, numbers.Real):
        as_float = float(value)
        if not np.isfinite(as_float):
            raise ValueError("X contains NaN or infinite values")
        return Fraction(as_float), False
    raise ValueError(f"X contains a non-numeric entry {value!r}")


def as_data(X: object, *, min_samples: int = 2) -> Data:
    """Validate ``X`` of shape (N,) or (N, d) and return float and exact copies."""
    if isinstance(X, sp.MatrixBase):
        X = X.tolist()
    array = np.asarray(X, dtype=object)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"X must have shape (N,) or (N, d), got an array of shape {array.shape}")
    n_samples, dim = array.shape
    if dim == 0:
        raise ValueError("X has no features (shape (N, 0))")
    if n_samples < min_samples:
        raise ValueError(f"need at least {min_samples} samples, got {n_samples}")
    exact_rows = []
    all_exact = True
    for row in array:
        converted = [_to_fraction(v) for v in row]
        exact_rows.append(tuple(f for f, _ in converted))
        all_exact &= all(flag for _, flag in converted)
    values = np.array([[float(f) for f in row] for row in exact_rows], dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("X contains NaN or infinite values (or values too large for float64)")
    return Data(values=values, exact=tuple(exact_rows), given_exactly=all_exact)


def as_labels(y: object, n_samples: int) -> np.ndarray:
    """Validate labels: a finite float vector of length ``n_samples``."""
    labels = np.asarray(y, dtype=np.float64)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"y must be a vector of shape (N,), got shape {labels.shape}")
    if labels.shape[0] != n_samples:
        raise ValueError(f"y has {labels.shape[0]} entries but X has {n_samples} samples")
    if not np.all(np.isfinite(labels)):
        raise ValueError("y contains NaN or infinite values")
    return labels


def as_beta(beta: object) -> float:
    """Validate the regularisation strength: a finite number >= 0."""
    try:
        value = float(beta)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"beta must be a number, got {beta!r}") from exc
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"beta must be finite and >= 0, got {beta!r}")
    return value
