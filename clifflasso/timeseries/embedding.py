r"""Lag embedding of a series into a regression problem, chronological splits.

An autoregressive model of order :math:`p`, AR(:math:`p`), predicts each value from the
:math:`p` values before it,

.. math::

    y_t \approx f(x_t),\qquad x_t = (y_{t-1}, y_{t-2}, \dots, y_{t-p}) \in \mathbb R^p,
    \qquad t = p, \dots, n-1,

so a series :math:`y_0, \dots, y_{n-1}` gives (at most) :math:`n - p` training pairs
:math:`(x_t, y_t)`, the *windows*. Column :math:`k` of the input matrix is lag :math:`k+1`.

**Missing values.** A window is used only when all of its :math:`p + 1` values
:math:`y_{t-p}, \dots, y_t` are finite: every window that touches a NaN is dropped, and
nothing is imputed. A gap of :math:`g` consecutive NaNs therefore removes :math:`g + p`
windows; :attr:`LagEmbedding.times` keeps the index :math:`t` of every window that is left.

**Splits.** Time series are split chronologically, never shuffled: the windows whose target
time lies in the first part of the series train, the next part validates, the last part
tests. The inputs of a validation or test window may be values of an earlier part (they are
observed before the target), but no target is ever in two parts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def as_series(series: object, *, min_length: int = 2) -> np.ndarray:
    """A 1-D float64 array (NaN allowed as missing, infinities refused)."""
    if isinstance(series, (str, bytes)):
        raise ValueError("a series must be a sequence of numbers, got text")
    try:
        values = np.asarray(series, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a series must be a sequence of numbers: {exc}") from exc
    if values.ndim == 2 and 1 in values.shape:
        values = values.ravel()
    if values.ndim != 1:
        raise ValueError(f"a series must be one-dimensional, got shape {values.shape}")
    if np.any(np.isinf(values)):
        raise ValueError("the series contains infinite values (use NaN for missing values)")
    if values.shape[0] < min_length:
        raise ValueError(f"the series needs at least {min_length} values, got {values.shape[0]}")
    return values


def as_lags(lags: object) -> int:
    """The order :math:`p \\ge 1` as a Python int."""
    if isinstance(lags, (bool, np.bool_)) or not isinstance(lags, (int, np.integer)):
        raise ValueError(f"lags must be a positive integer, got {lags!r}")
    if lags < 1:
        raise ValueError(f"lags must be a positive integer, got {lags}")
    return int(lags)


@dataclass(frozen=True)
class LagEmbedding:
    r"""The windows of a series: inputs ``X`` of shape (m, p) with ``X[i, k]`` =
    :math:`y_{t_i - k - 1}`, targets ``y`` (m,) with ``y[i]`` = :math:`y_{t_i}`, and the target
    indices ``times`` (m,) in the series, increasing."""

    X: np.ndarray
    y: np.ndarray
    times: np.ndarray
    lags: int

    def __len__(self) -> int:
        return self.y.shape[0]

    def select(self, mask: np.ndarray) -> LagEmbedding:
        """The windows where ``mask`` (boolean, one per window) holds."""
        return LagEmbedding(self.X[mask], self.y[mask], self.times[mask], self.lags)

    def between(self, start: int, stop: int) -> LagEmbedding:
        """The windows whose target index ``t`` satisfies ``start <= t < stop``."""
        return self.select((self.times >= start) & (self.times < stop))


def lag_embed(series: object, lags: int = 1) -> LagEmbedding:
    r"""The AR(:math:`p`) windows :math:`(x_t, y_t)` of ``series`` (module docstring), those
    touching a NaN dropped."""
    values = as_series(series)
    p = as_lags(lags)
    n = values.shape[0]
    if n <= p:
        raise ValueError(f"a series of {n} values has no window of {p} lag(s) and a target")
    times = np.arange(p, n)
    X = np.column_stack([values[times - k] for k in range(1, p + 1)])
    y = values[times]
    keep = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    return LagEmbedding(X[keep], y[keep], times[keep], p)


def windows_at(series: object, lags: int, times: np.ndarray) -> np.ndarray:
    r"""Lag inputs :math:`x_t` for the target indices ``times`` (may be NaN where the series
    is)."""
    values = as_series(series, min_length=1)
    times = np.asarray(times, dtype=np.int64)
    return np.column_stack([values[times - k] for k in range(1, as_lags(lags) + 1)])


@dataclass(frozen=True)
class Split:
    r"""Chronological split points of a series of length ``n``: targets with index
    :math:`t <` ``train_end`` train, ``train_end`` :math:`\le t <` ``validation_end``
    validate, the rest test."""

    n: int
    train_end: int
    validation_end: int

    def parts(self, embedding: LagEmbedding) -> tuple[LagEmbedding, LagEmbedding, LagEmbedding]:
        """The training, validation and test windows of ``embedding``."""
        return (
            embedding.between(0, self.train_end),
            embedding.between(self.train_end, self.validation_end),
            embedding.between(self.validation_end, self.n),
        )


def _count(value: float | int, n: int, name: str) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a fraction in [0, 1) or a count, got {value!r}")
    if isinstance(value, (int, np.integer)):
        count = int(value)
    elif 0 <= float(value) < 1:
        count = int(round(float(value) * n))
    else:
        raise ValueError(f"{name} must be a fraction in [0, 1) or a count, got {value!r}")
    if count < 0 or count >= n:
        raise ValueError(f"{name} = {value!r} leaves no room in a series of {n} values")
    return count


def chronological_split(n: int, validation: float | int = 0.2, test: float | int = 0.2) -> Split:
    r"""Split the indices :math:`0..n-1` of a series into consecutive training, validation and
    test parts. ``validation`` and ``test`` are fractions of :math:`n` in :math:`[0, 1)`
    (rounded to the nearest count) or counts (ints); the training part is what is left at the
    start, and must not be empty."""
    n_test = _count(test, n, "test")
    n_validation = _count(validation, n, "validation")
    train_end = n - n_test - n_validation
    if train_end < 2:
        raise ValueError(
            f"validation + test ({n_validation} + {n_test}) leave {max(train_end, 0)} training "
            f"values of {n}"
        )
    return Split(n, train_end, n - n_test)


def rolling_origin_splits(
    times: np.ndarray, folds: int, validation: float | int = 0.2
) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""Rolling-origin (time-series) cross-validation over windows with target indices
    ``times``.

    The last ``validation`` part of the windows (a fraction or a count) is cut into ``folds``
    consecutive blocks :math:`B_1, \dots, B_K`; fold :math:`k` trains on every window before
    :math:`B_k` and validates on :math:`B_k`, so the training origin rolls forward and no fold
    ever trains on its future. Returns ``(train mask, validation mask)`` pairs.
    """
    times = np.asarray(times)
    m = times.shape[0]
    if isinstance(folds, (bool, np.bool_)) or not isinstance(folds, (int, np.integer)):
        raise ValueError(f"folds must be a positive integer, got {folds!r}")
    held = _count(validation, m, "validation")
    if folds < 1 or held < folds:
        raise ValueError(
            f"{folds} fold(s) need at least one validation window each; the validation part "
            f"has {held} of {m} windows"
        )
    edges = np.linspace(m - held, m, folds + 1).round().astype(int)
    positions = np.arange(m)
    return [
        (positions < start, (positions >= start) & (positions < stop))
        for start, stop in zip(edges[:-1], edges[1:])
    ]
