"""Experiments on real data (the shipped data sets of :mod:`clifflasso.datasets`)."""

from clifflasso.experiments.sentiment import (
    SentimentResult,
    format_table,
    plot_sentiment,
    run_sentiment_experiment,
)

__all__ = ["SentimentResult", "format_table", "plot_sentiment", "run_sentiment_experiment"]
