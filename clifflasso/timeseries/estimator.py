r"""``ConvexAutoRegressor``: an autoregressive network trained as a convex Lasso, with beta chosen
on held-out windows and an optimality certificate.

The model of order :math:`p` predicts :math:`\hat y_t = f(y_{t-1}, \dots, y_{t-p})` with a
network of the architecture (activation, depth :math:`L`, first-layer norm :math:`q`)

.. math::

    f(x) = \xi + \sum_i \alpha_i\,\sigma(w_{i,L-1}\sigma(\cdots\sigma(x\cdot w_{i,1} + b_{i,1})
    \cdots) + b_{i,L-1}),

trained on the windows :math:`(x_t, y_t)` of the series (:mod:`.embedding`) by

.. math::

    \min\ \tfrac12\sum_t (f(x_t) - y_t)^2 + \frac{\beta}{L}\sum_i\Big(\|w_{i,1}\|_q^L +
    \sum_{l=2}^{L-1}|w_{i,l}|^L + |\alpha_i|^L\Big),

which is the Lasso over the architecture's dictionary of normalised chain features: exactly for
one lag (:math:`p = 1`, every depth and activation of the 1-D families) and for :math:`p \ge 2`
with the :math:`\ell_1` first-layer norm (:math:`q = 1`: ReLU depth 2 to 4, absolute value of
every depth), the default for :math:`p \ge 2`. With the Euclidean norm (:math:`q = 2`) and
:math:`p \ge 2` the Lasso is only an **upper bound** on the training optimum (ReLU depth 2
included); :meth:`ConvexAutoRegressor.certify` then proves a bound or exhibits a better neuron.

**Choosing beta.** ``beta="auto"`` picks :math:`\beta = c\,\beta_{\max}` with the fraction
:math:`c` from ``fractions`` (default :math:`10^0, \dots, 10^{-4}`, 13 values) that gives the
smallest one-step squared error on held-out windows: the last ``validation`` part of the
windows (hold-out) or, with ``cv=K``, :math:`K` rolling-origin folds over that part (each fold
trains on every window before its block). :math:`\beta_{\max}` is that of each training set, so
:math:`c` transfers between training sets of different sizes. With ``refit=True`` (default) the
network is then trained on every window with :math:`c\,\beta_{\max}` of all of them.

**Size.** Repeated inputs are merged into weighted points (:mod:`.solving`), so the dictionary
is sized by the distinct inputs; small dictionaries are materialised and solved along the whole
grid in one homotopy sweep, large ones are streamed by :func:`clifflasso.fit` (decided from the
family's closed-form size before anything is built). A family too large even to stream is
refused at once with the size in the message.

**Forecasts.** One-step: :math:`\hat y_t = f(y_{t-1}, \dots, y_{t-p})` from observed values.
Recursive :math:`h` steps from the last :math:`p` values :math:`y_{n-1}, \dots, y_{n-p}`:
:math:`\hat y_{n+k} = f(\tilde y_{n+k-1}, \dots, \tilde y_{n+k-p})` where :math:`\tilde y_s`
is the observation for :math:`s < n` and the forecast :math:`\hat y_s` otherwise.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from clifflasso._data import as_beta
from clifflasso.architecture import Architecture
from clifflasso.proofs.certificates import Certificate, certify
from clifflasso.timeseries.embedding import (
    LagEmbedding,
    as_lags,
    as_series,
    lag_embed,
    rolling_origin_splits,
    windows_at,
)
from clifflasso.timeseries.kinks import Kink, classify_kinks, solution_kinks
from clifflasso.timeseries.solving import (
    DENSE_LIMIT,
    MEMORY_LIMIT,
    MergedWindows,
    WindowLasso,
    plan,
)

#: Default grid of :math:`c = \beta/\beta_{\max}`, largest first.
DEFAULT_FRACTIONS = tuple(float(c) for c in np.geomspace(1.0, 1e-4, 13))


class ConvexAutoRegressor(BaseEstimator):
    r"""Autoregressive network of order ``lags`` trained by the convex Lasso (module docstring).

    Parameters
    ----------
    lags:
        Order :math:`p \ge 1` (inputs :math:`y_{t-1}, \dots, y_{t-p}`).
    activation, depth:
        The chain architecture: for one lag every activation and depth of the 1-D families
        (``"relu"``, ``"leaky_relu"``, ``"abs"``, ``"threshold"``, ``"sign"``); for
        :math:`p \ge 2`, ReLU depth 2 or absolute value depth 2 and 3.
    beta:
        ``"auto"`` (chosen on held-out windows) or a number :math:`\ge 0`.
    norm:
        First-layer norm :math:`q`: ``None`` (default) is 1 for :math:`p \ge 2` (exact) and
        irrelevant for one lag; 2 makes the :math:`p \ge 2` Lasso an upper bound.
    validation:
        Held-out part of the windows for ``beta="auto"``: a fraction in (0, 1) or a count.
    cv:
        ``None`` (one hold-out block) or the number :math:`K \ge 2` of rolling-origin folds.
    fractions:
        Grid of :math:`c = \beta/\beta_{\max}` (default :data:`DEFAULT_FRACTIONS`).
    refit:
        Train the final network on every window (default) rather than on the training part
        of the selection only.
    memory_limit:
        Bytes a dictionary or a streamed fit may use.
    dense_limit:
        Largest dictionary (entries ``N * P``) that is materialised; larger ones are streamed.
    solver:
        Lasso solver of dense solves (:func:`clifflasso.solve`).

    Attributes
    ----------
    solution_: the :class:`~clifflasso.LassoSolution` on the merged windows (its objective
        excludes ``merge_constant_``).
    network_: the rebuilt network.
    beta_, beta_fraction_, beta_max_: the penalty used, as :math:`c` and :math:`\beta_{\max}`.
    validation_errors_: ``{c: one-step mean squared error on held-out windows}``.
    objective_: training objective on every window, as posed (merged optimum +
        ``merge_constant_``).
    merge_constant_: the constant lost by merging repeated inputs.
    method_, method_reason_: ``"dense"`` or ``"streamed"``, and why.
    n_windows_, n_distinct_: windows trained on, and their distinct inputs.
    history_: the last ``lags`` values of the fitted series (where :meth:`forecast` starts).
    fit_seconds_: wall time of :meth:`fit`.
    """

    def __init__(
        self,
        lags: int = 1,
        activation: str = "relu",
        depth: int = 2,
        beta: float | str = "auto",
        norm: int | None = None,
        validation: float | int = 0.25,
        cv: int | None = None,
        fractions: tuple[float, ...] | None = None,
        refit: bool = True,
        memory_limit: int = MEMORY_LIMIT,
        dense_limit: int = DENSE_LIMIT,
        solver: str = "auto",
    ) -> None:
        self.lags = lags
        self.activation = activation
        self.depth = depth
        self.beta = beta
        self.norm = norm
        self.validation = validation
        self.cv = cv
        self.fractions = fractions
        self.refit = refit
        self.memory_limit = memory_limit
        self.dense_limit = dense_limit
        self.solver = solver

    # ------------------------------------------------------------------ set-up
    def architecture(self) -> Architecture:
        """The :class:`~clifflasso.Architecture` of the network (norm 1 for two lags or more
        unless ``norm`` says otherwise)."""
        lags = as_lags(self.lags)
        norm = self.norm if self.norm is not None else (1 if lags >= 2 else 2)
        return Architecture(self.activation, self.depth, norm=norm)

    def _fractions(self) -> list[float]:
        grid = DEFAULT_FRACTIONS if self.fractions is None else self.fractions
        values = sorted({float(c) for c in np.atleast_1d(grid)}, reverse=True)
        if not values or any(not np.isfinite(c) or c <= 0 for c in values):
            raise ValueError(f"fractions must be positive numbers, got {grid!r}")
        return values

    def _lasso(self, windows: MergedWindows, arch: Architecture) -> WindowLasso:
        method, _ = plan(
            windows, arch, memory_limit=self.memory_limit, dense_limit=self.dense_limit
        )
        return WindowLasso(
            windows, arch, method, memory_limit=self.memory_limit, solver=self.solver
        )

    def _folds(self, embedding: LagEmbedding) -> list[tuple[np.ndarray, np.ndarray]]:
        if self.cv is None:
            return rolling_origin_splits(embedding.times, 1, self.validation)
        if isinstance(self.cv, bool) or not isinstance(self.cv, (int, np.integer)) or self.cv < 2:
            raise ValueError(f"cv must be None or an integer >= 2, got {self.cv!r}")
        return rolling_origin_splits(embedding.times, int(self.cv), self.validation)

    def _select(self, embedding: LagEmbedding, arch: Architecture) -> dict[float, float]:
        """Pooled one-step squared error on the held-out windows of every fold, per fraction."""
        fractions = self._fractions()
        squared = np.zeros(len(fractions))
        count = 0
        for train_mask, held_mask in self._folds(embedding):
            train, held = embedding.select(train_mask), embedding.select(held_mask)
            lasso = self._lasso(MergedWindows.from_windows(train.X, train.y), arch)
            top = lasso.beta_max()
            if top == 0:  # constant training targets: every beta gives the constant
                fit_values = [np.full(len(held), train.y[0])] * len(fractions)
            else:
                solutions = lasso.solutions([c * top for c in fractions])
                fit_values = [s.network.predict(_inputs(held.X)) for s in solutions]
            squared += [float(np.sum((v - held.y) ** 2)) for v in fit_values]
            count += len(held)
        return dict(zip(fractions, (squared / count).tolist()))

    # ------------------------------------------------------------------ fit
    def fit(self, series: object, y: object = None) -> ConvexAutoRegressor:
        """Embed ``series`` (1-D, NaN = missing; windows touching a NaN are dropped), choose
        beta, merge repeated inputs and solve the Lasso. ``y`` is ignored."""
        started = time.perf_counter()
        values = as_series(series)
        arch = self.architecture()
        embedding = lag_embed(values, self.lags)
        if len(embedding) < 2:
            raise ValueError(f"the series has {len(embedding)} complete window(s); need >= 2")
        if not isinstance(self.refit, (bool, np.bool_)):
            raise ValueError(f"refit must be True or False, got {self.refit!r}")
        automatic = isinstance(self.beta, str)
        if automatic and self.beta != "auto":
            raise ValueError(f"beta must be 'auto' or a number >= 0, got {self.beta!r}")
        final = embedding
        if automatic and not self.refit:
            final = embedding.select(self._folds(embedding)[-1][0])
        windows = MergedWindows.from_windows(final.X, final.y)
        self.method_, self.method_reason_ = plan(
            windows, arch, memory_limit=self.memory_limit, dense_limit=self.dense_limit
        )
        lasso = WindowLasso(
            windows, arch, self.method_, memory_limit=self.memory_limit, solver=self.solver
        )
        if automatic:
            # beta_max of the final problem first: a family too large is refused before work
            self.beta_max_ = lasso.beta_max()
            self.validation_errors_ = self._select(embedding, arch)
            self.beta_fraction_ = min(self.validation_errors_, key=self.validation_errors_.get)
            self.beta_ = self.beta_fraction_ * self.beta_max_
        else:
            self.beta_ = as_beta(self.beta)
            self.beta_max_ = lasso.beta_max()
            self.beta_fraction_ = self.beta_ / self.beta_max_ if self.beta_max_ > 0 else np.inf
            self.validation_errors_ = {}
        if self.beta_ == 0 and self.method_ == "streamed":
            raise ValueError("beta = 0 needs a materialised dictionary; this one is streamed")
        solution = lasso.solutions([self.beta_])[0]
        self.solution_ = solution
        self.network_ = solution.network
        self.arch_ = arch
        self.windows_ = windows
        self.merge_constant_ = windows.constant
        self.objective_ = float(solution.objective + windows.constant)
        self.n_windows_ = windows.n_windows
        self.n_distinct_ = windows.X.shape[0]
        self.n_features_in_ = int(as_lags(self.lags))
        self.history_ = values[-self.n_features_in_ :].copy()
        self.fit_seconds_ = time.perf_counter() - started
        return self

    # ------------------------------------------------------------------ use
    def predict_windows(self, X: object) -> np.ndarray:
        """The network at lag inputs ``X`` of shape (m, p) (column k = lag k + 1)."""
        check_is_fitted(self, "network_")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1 and self.n_features_in_ == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"expected lag inputs of shape (m, {self.n_features_in_}), got {X.shape}"
            )
        return self.network_.predict(_inputs(X))

    def predict(self, series: object) -> np.ndarray:
        r"""One-step predictions :math:`\hat y_t = f(y_{t-1}, \dots, y_{t-p})` for every index
        ``t`` of ``series`` (same length; NaN where the window is incomplete: the first ``p``
        values and every window touching a NaN)."""
        check_is_fitted(self, "network_")
        values = as_series(series, min_length=1)
        out = np.full(values.shape[0], np.nan)
        times = np.arange(self.n_features_in_, values.shape[0])
        if times.size == 0:
            return out
        X = windows_at(values, self.n_features_in_, times)
        complete = np.all(np.isfinite(X), axis=1)
        if complete.any():
            out[times[complete]] = self.predict_windows(X[complete])
        return out

    def forecast(self, horizon: int, history: object = None) -> np.ndarray:
        """Recursive forecasts of the next ``horizon`` values after ``history`` (default: the
        end of the fitted series; its last ``p`` values must be observed)."""
        check_is_fitted(self, "network_")
        if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
        p = self.n_features_in_
        past = self.history_ if history is None else as_series(history, min_length=p)[-p:]
        if not np.all(np.isfinite(past)):
            raise ValueError(
                f"the last {p} value(s) of the history are not all observed (NaN); pass a "
                "history that ends with observed values"
            )
        state = list(past[::-1])  # state[k] = lag k + 1
        out = np.empty(int(horizon))
        for step in range(int(horizon)):
            value = float(self.predict_windows(np.array([state[:p]]))[0])
            out[step] = value
            state.insert(0, value)
        return out

    def score(self, series: object, y: object = None) -> float:
        r"""Coefficient of determination :math:`R^2 = 1 - \sum(y_t - \hat y_t)^2 /
        \sum(y_t - \bar y)^2` of the one-step predictions over the complete windows of
        ``series``."""
        predicted = self.predict(series)
        values = as_series(series, min_length=1)
        mask = np.isfinite(predicted) & np.isfinite(values)
        if mask.sum() < 2:
            raise ValueError("score needs at least two complete windows")
        target = values[mask]
        residual = float(np.sum((target - predicted[mask]) ** 2))
        total = float(np.sum((target - target.mean()) ** 2))
        return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else -np.inf)

    def certify(self, **options) -> Certificate:
        """:func:`clifflasso.certify` of the fitted Lasso (merged problem; add
        ``merge_constant_`` to its objective and lower bound for the problem on every
        window). A streamed fit's last pass is reused."""
        check_is_fitted(self, "solution_")
        return certify(self.solution_, **options)

    def kinks(self) -> list[Kink]:
        """The kinks of an AR(1) network on the lag axis, classified
        (:func:`clifflasso.timeseries.kinks.classify_kinks`) against the distinct inputs."""
        check_is_fitted(self, "solution_")
        if self.n_features_in_ != 1:
            raise ValueError("kinks on the lag axis exist for one lag only")
        return classify_kinks(solution_kinks(self.solution_), self.windows_.X[:, 0])

    @property
    def active_units(self) -> int:
        """Number of active units (Lasso coefficients above the threshold of
        :data:`clifflasso.lasso.solution.ACTIVE_TOLERANCE` relative to the largest)."""
        check_is_fitted(self, "solution_")
        return int(self.solution_.active.size)


def _inputs(X: np.ndarray) -> np.ndarray:
    """Network inputs: a vector for one lag, else the (m, p) matrix."""
    return X[:, 0] if X.shape[1] == 1 else X
