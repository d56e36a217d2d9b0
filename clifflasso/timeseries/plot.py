r"""One figure for an autoregressive network: the series with its forecast, and (one lag) the
network on the lag axis with its kinks.

Left panel: the observed series :math:`y_t` against time, the one-step predictions
:math:`\hat y_t = f(y_{t-1}, \dots, y_{t-p})` and the recursive forecast of the next ``horizon``
values after the end. Right panel (AR(1) only): the lag plot of the pairs
:math:`(y_{t-1}, y_t)`, the network :math:`y_{t-1} \mapsto f(y_{t-1})` and its kinks as
vertical lines, one colour and line style per kind (:data:`~.kinks.KINK_KINDS`: a data point
:math:`x_n`, a reflection :math:`2x_j - x_k`, a midpoint :math:`(x_j + x_k)/2`, deeper), with a
legend. The figure is built without pyplot (the Agg canvas of
:class:`matplotlib.figure.Figure`), saved as a PNG when ``path`` is given, and returned.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from clifflasso.timeseries.embedding import as_series, lag_embed
from clifflasso.timeseries.estimator import ConvexAutoRegressor
from clifflasso.timeseries.kinks import KINK_KINDS

#: resolution of a saved PNG (pixels per inch)
DPI = 100
#: line colour and style of each kink kind
KINK_STYLES = {
    "data": dict(color="C2", linestyle=":"),
    "reflection": dict(color="C3", linestyle="--"),
    "midpoint": dict(color="C4", linestyle="-."),
    "deeper": dict(color="C5", linestyle=(0, (1, 3))),
}
_GRID_POINTS = 600


def plot_forecast(
    model: ConvexAutoRegressor,
    series: object,
    horizon: int = 12,
    path: str | None = None,
    *,
    times: object | None = None,
    name: str = "y",
    time_label: str = "time",
    title: str | None = None,
) -> Figure:
    """Draw ``series`` with the one-step predictions and the ``horizon``-step recursive forecast
    of the fitted :class:`~clifflasso.timeseries.ConvexAutoRegressor` ``model`` (forecast from
    the end of ``series``), and for one lag the network and its kinks on the lag axis.

    ``times`` labels the time axis (default ``0, 1, ...``; the forecast continues with the last
    step); ``name`` and ``time_label`` label the axes."""
    values = as_series(series, min_length=1)
    t = np.arange(values.shape[0], dtype=np.float64) if times is None else np.asarray(times)
    if t.shape != values.shape:
        raise ValueError(f"times has shape {t.shape}, the series {values.shape}")
    step = float(t[-1] - t[-2]) if t.shape[0] > 1 else 1.0
    forecast = model.forecast(horizon, history=values)
    ahead = t[-1] + step * np.arange(1, forecast.shape[0] + 1)
    one_lag = model.n_features_in_ == 1
    figure = Figure(figsize=(11.0 if one_lag else 7.0, 4.2))
    axes = figure.subplots(1, 2 if one_lag else 1, squeeze=False).ravel()
    axis = axes[0]
    axis.plot(t, values, color="C0", linewidth=1.0, label="series")
    axis.plot(t, model.predict(values), color="C1", linewidth=0.9, label="one-step prediction")
    axis.plot(
        np.concatenate([t[-1:], ahead]),
        np.concatenate([values[-1:], forecast]),
        color="C3",
        marker=".",
        linewidth=1.2,
        label=f"recursive forecast ({forecast.shape[0]} steps)",
    )
    axis.set_xlabel(time_label)
    axis.set_ylabel(name)
    axis.set_title(
        title or f"AR({model.n_features_in_}) {model.arch_.activation} depth {model.arch_.depth}"
    )
    axis.legend(loc="best", fontsize=8)
    if one_lag:
        _draw_lag_axis(axes[1], model, values, name)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=DPI)
    return figure


def _draw_lag_axis(axis, model: ConvexAutoRegressor, values: np.ndarray, name: str) -> None:
    """Lag plot, the network on the lag axis and its kinks by kind (one legend entry each)."""
    windows = lag_embed(values, 1)
    kinks = model.kinks()
    x = windows.X[:, 0]
    locations = [k.location for k in kinks]
    low, high = min(x.min(), *locations), max(x.max(), *locations)
    margin = 0.05 * (high - low) if high > low else 1.0
    grid = np.linspace(low - margin, high + margin, _GRID_POINTS)
    axis.scatter(x, windows.y, s=8, color="C0", alpha=0.6, label="data $(y_{t-1}, y_t)$")
    axis.plot(grid, model.predict_windows(grid[:, None]), color="C1", label="network $f$")
    for kind in KINK_KINDS:
        for number, kink in enumerate(k for k in kinks if k.kind == kind):
            axis.axvline(
                kink.location,
                linewidth=0.9,
                label=f"kink: {kind}" if number == 0 else None,
                **KINK_STYLES[kind],
            )
    axis.set_xlabel(f"lag value {name}$_{{t-1}}$")
    axis.set_ylabel(f"{name}$_t$")
    axis.set_title(f"network on the lag axis, {len(kinks)} kink(s)")
    axis.legend(loc="best", fontsize=8)
