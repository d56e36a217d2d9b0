"""Experiments on real data (the shipped data sets of :mod:`clifflasso.datasets`).

The names are imported on first use, so that the command line starts without the solvers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = ["SentimentResult", "format_table", "plot_sentiment", "run_sentiment_experiment"]

if TYPE_CHECKING:
    from clifflasso.experiments.sentiment import (
        SentimentResult,
        format_table,
        plot_sentiment,
        run_sentiment_experiment,
    )


def __getattr__(name: str):
    if name not in __all__:
        raise AttributeError(f"module 'clifflasso.experiments' has no attribute {name!r}")
    return getattr(importlib.import_module("clifflasso.experiments.sentiment"), name)
