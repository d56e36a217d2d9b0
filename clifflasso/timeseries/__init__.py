r"""Autoregressive time series: certified convex training of AR(p) networks on real series.

* :mod:`.embedding` - lag embedding :math:`x_t = (y_{t-1}, \dots, y_{t-p})`, NaN handling,
  chronological and rolling-origin splits;
* :mod:`.solving` - repeated inputs merged exactly into weighted points, dense or streamed
  Lasso, paths over a beta grid;
* :mod:`.estimator` - :class:`ConvexAutoRegressor` (fit a series, one-step and recursive
  forecasts, certificate);
* :mod:`.kinks` - the network's kinks on the lag axis (data points, reflections, midpoints,
  deeper);
* :mod:`.plot` - the series, the forecast and the kinks in one figure.
"""

from clifflasso.timeseries.embedding import (
    LagEmbedding,
    Split,
    chronological_split,
    lag_embed,
    rolling_origin_splits,
)
from clifflasso.timeseries.estimator import DEFAULT_FRACTIONS, ConvexAutoRegressor
from clifflasso.timeseries.kinks import KINK_KINDS, Kink, classify_kinks, kink_counts
from clifflasso.timeseries.plot import plot_forecast
from clifflasso.timeseries.solving import MergedWindows, WindowLasso, plan

__all__ = [
    "DEFAULT_FRACTIONS",
    "KINK_KINDS",
    "ConvexAutoRegressor",
    "Kink",
    "LagEmbedding",
    "MergedWindows",
    "Split",
    "WindowLasso",
    "chronological_split",
    "classify_kinks",
    "kink_counts",
    "lag_embed",
    "plan",
    "plot_forecast",
    "rolling_origin_splits",
]
