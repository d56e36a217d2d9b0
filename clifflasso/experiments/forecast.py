r"""Autoregressive forecasting on the shipped yearly series: certified Lasso networks against the
same networks trained nonconvexly, a linear AR model and persistence.

Protocol, per series (:mod:`clifflasso.datasets.series`):

1. **Split.** Chronological: the last ``n_test`` values are the test part (sunspots: 60 years,
   1949-2008; Nile: 20 years, 1951-1970), everything before trains. The windows are those of
   :func:`clifflasso.timeseries.lag_embed`: a test window's inputs may be training values, its
   target never is.
2. **Penalty.** One :math:`\beta` per series, shared by every network on it:
   :math:`\beta = c\,\beta_{\max}` of the ReLU depth-2 AR(1) Lasso, with
   :math:`c \in \{0.1, 0.03, 0.01\}` minimising the one-step error on the last quarter of the
   training windows (:class:`~clifflasso.timeseries.ConvexAutoRegressor`, ``beta="auto"``).
   The grid stops at 0.01 to keep the run short: smaller penalties give networks with dozens
   of units whose deep certificates take minutes.
3. **Lasso.** :class:`~clifflasso.timeseries.ConvexAutoRegressor` at that :math:`\beta` for
   every architecture of :data:`ARCHITECTURES` (repeated inputs merged into weighted points,
   dense or streamed by size), then :func:`clifflasso.certify`. An architecture whose
   dictionary neither fits in memory nor streams is reported as refused, with the reason.
4. **Nonconvex.** :func:`clifflasso.numeric.train.train` (L-BFGS from random starts) of the
   same architecture and :math:`\beta` on the unmerged training windows, at each width of
   ``widths`` and seed of ``seeds`` (one restart each); the table shows the best run. A local
   search only gives an upper bound: none may fall below a certified optimum
   (:attr:`ForecastResult.passed`).
5. **Baselines.** Linear AR(:math:`p`) by least squares with an intercept, and persistence
   :math:`\hat y_t = y_{t-1}`.

Every model is scored by its one-step root-mean-square error on the test part; the networks
also by their training objective
:math:`\tfrac12\sum_t(f(x_t) - y_t)^2 + \tfrac{\beta}{L}\sum_i(\|w_{i,1}\|^L + \dots +
|\alpha_i|^L)` over every training window, their active units and (one lag) the kinds of their
kinks on the lag axis.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from clifflasso.datasets import shipped_series
from clifflasso.numeric.train import train
from clifflasso.timeseries import ConvexAutoRegressor, kink_counts, lag_embed

#: ``(lags, activation, depth)`` of every network: AR(1) with the complete 1-D families, AR(2)
#: with the d-D families that exist (ReLU depth 2, absolute value depth 2 and 3).
ARCHITECTURES = (
    (1, "relu", 2),
    (1, "relu", 3),
    (1, "relu", 4),
    (1, "abs", 2),
    (1, "abs", 3),
    (1, "abs", 4),
    (2, "relu", 2),
    (2, "abs", 2),
    (2, "abs", 3),
)
#: Test values held out at the end of each series.
TEST_SIZES = {"sunspots": 60, "nile": 20}
#: Grid of :math:`c = \beta/\beta_{\max}` of the penalty selection.
BETA_FRACTIONS = (0.1, 0.03, 0.01)
#: Relative slack below a certified optimum that still counts as "not below" (rounding).
TOLERANCE = 1e-7


@dataclass
class ForecastRow:
    """One model on one series. ``objective``, ``verdict``, ``units`` and ``kinks`` are None
    where they do not apply (baselines, refused networks)."""

    series: str
    model: str
    lags: int
    architecture: str
    method: str
    objective: float | None
    verdict: str | None
    test_rmse: float | None
    units: int | None
    kinks: dict[str, int] | None
    seconds: float


@dataclass
class ForecastResult:
    """The rows, the penalty of each series ``(beta, c)``, and whether every nonconvex run
    stayed at or above the certified optimum of its architecture and every network that ran
    was certified optimal."""

    rows: list[ForecastRow]
    betas: dict[str, tuple[float, float]]
    passed: bool
    notes: list[str] = field(default_factory=list)


def _rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


def _inputs(X: np.ndarray) -> np.ndarray:
    return X[:, 0] if X.shape[1] == 1 else X


def _baselines(name: str, values: np.ndarray, n_test: int, lags: int) -> list[ForecastRow]:
    rows = []
    started = time.perf_counter()
    windows = lag_embed(values, lags)
    cut = values.shape[0] - n_test
    training, test = windows.between(0, cut), windows.between(cut, values.shape[0])
    design = np.column_stack([np.ones(len(training)), training.X])
    coefficients = np.linalg.lstsq(design, training.y, rcond=None)[0]
    predicted = coefficients[0] + test.X @ coefficients[1:]
    rows.append(
        ForecastRow(
            name, "linear AR", lags, "-", "least squares", None, None,
            _rmse(predicted, test.y), None, None, time.perf_counter() - started,
        )
    )  # fmt: skip
    if lags == 1:
        rows.append(
            ForecastRow(
                name, "persistence", 1, "-", "-", None, None, _rmse(test.X[:, 0], test.y),
                None, None, 0.0,
            )
        )  # fmt: skip
    return rows


def _networks(
    name: str,
    values: np.ndarray,
    n_test: int,
    beta: float,
    architectures,
    widths: tuple[int, ...],
    seeds: tuple[int, ...],
    notes: list[str],
) -> tuple[list[ForecastRow], bool]:
    rows, passed = [], True
    train_values = values[: values.shape[0] - n_test]
    for lags, activation, depth in architectures:
        label = f"{activation} L={depth}"
        started = time.perf_counter()
        try:
            model = ConvexAutoRegressor(lags=lags, activation=activation, depth=depth, beta=beta)
            model.fit(train_values)
        except ValueError as exc:
            # the first clause: the family, its size and the memory it needs
            notes.append(f"{name} AR({lags}) {label} refused: {str(exc).split(';')[0]}")
            rows.append(
                ForecastRow(
                    name, "Lasso", lags, label, "refused (size)", None, None, None, None, None,
                    time.perf_counter() - started,
                )
            )  # fmt: skip
            continue
        certificate = model.certify()
        passed &= certificate.optimal
        predicted = model.predict(values)[-n_test:]
        rows.append(
            ForecastRow(
                name, "Lasso", lags, label, model.method_, model.objective_,
                f"{certificate.verdict} ({certificate.kind})", _rmse(predicted, values[-n_test:]),
                model.active_units, kink_counts(model.kinks()) if lags == 1 else None,
                time.perf_counter() - started,
            )
        )  # fmt: skip
        started = time.perf_counter()
        windows = lag_embed(train_values, lags)
        runs = [
            train(_inputs(windows.X), windows.y, model.arch_, beta, width, restarts=1, seed=seed)
            for width in widths
            for seed in seeds
        ]
        best = min(runs, key=lambda run: run.objective)
        lowest = model.objective_ * (1 - TOLERANCE)
        below = [run.objective for run in runs if run.objective < lowest]
        if below:
            passed = False
            notes.append(f"{name} AR({lags}) {label}: nonconvex runs below the certificate {below}")
        test_windows = lag_embed(values, lags).between(values.shape[0] - n_test, values.shape[0])
        weights = best.network.output_weights
        rows.append(
            ForecastRow(
                name, "nonconvex", lags, label,
                f"L-BFGS, best of {len(runs)} (widths {', '.join(map(str, widths))})",
                best.objective, None,
                _rmse(best.network.predict(_inputs(test_windows.X)), test_windows.y),
                int(np.sum(np.abs(weights) > 1e-6 * max(np.abs(weights).max(), 1e-300))), None,
                time.perf_counter() - started,
            )
        )  # fmt: skip
    return rows, passed


def run_forecast_experiment(
    *,
    quick: bool = False,
    widths: tuple[int, ...] = (3, 10, 30),
    seeds: tuple[int, ...] = (0, 1),
) -> ForecastResult:
    """Run the protocol of the module docstring on both shipped series (``quick``: the Nile
    only, depth 2 and 3, one width and seed; a few seconds)."""
    names = ("nile",) if quick else tuple(TEST_SIZES)
    architectures = (
        [a for a in ARCHITECTURES if a[2] <= 3 and a[0] == 1] if quick else ARCHITECTURES
    )
    if quick:
        widths, seeds = widths[:1], seeds[:1]
    rows, betas, notes, passed = [], {}, [], True
    # tiny dense products: BLAS threads only add overhead
    with threadpool_limits(1):
        for name in names:
            values = shipped_series(name).values
            n_test = TEST_SIZES[name]
            selector = ConvexAutoRegressor(activation="relu", depth=2, fractions=BETA_FRACTIONS)
            selector.fit(values[:-n_test])
            betas[name] = (selector.beta_, selector.beta_fraction_)
            for lags in (1, 2):
                rows += _baselines(name, values, n_test, lags)
                found, ok = _networks(
                    name, values, n_test, selector.beta_,
                    [a for a in architectures if a[0] == lags], widths, seeds, notes,
                )  # fmt: skip
                rows += found
                passed &= ok
    return ForecastResult(rows, betas, passed, notes)


def _number(value: float | None, digits: int = 6) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def format_table(result: ForecastResult) -> str:
    """The rows as a Markdown table per series, with the penalty and the notes."""
    lines = []
    for name, (beta, fraction) in result.betas.items():
        n_test = TEST_SIZES[name]
        lines += [
            f"### {name}: beta = {beta:.6g} = {fraction:g} beta_max, last {n_test} values tested",
            "",
            "| model | AR(p) | network | solved by | training objective | certificate | "
            "test RMSE | units | kinks data/refl/mid/deeper | time (s) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in (r for r in result.rows if r.series == name):
            kinks = "-" if row.kinks is None else "/".join(str(v) for v in row.kinks.values())
            lines.append(
                f"| {row.model} | {row.lags} | {row.architecture} | {row.method} | "
                f"{_number(row.objective, 8)} | {row.verdict or '-'} | "
                f"{_number(row.test_rmse, 4)} | {_number(row.units)} | {kinks} | "
                f"{row.seconds:.1f} |"
            )
        lines.append("")
    lines.append(
        "every nonconvex run at or above the certified optimum, every Lasso network certified: "
        + ("yes" if result.passed else "NO")
    )
    lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines)
