"""Data sets shipped with clifflasso (small files under ``clifflasso/datasets/``)."""

from clifflasso.datasets.sentiment import (
    SentimentLexicon,
    array_digest,
    load_sentiment_lexicon,
    sentiment_lexicon,
)
from clifflasso.datasets.series import YearlySeries, load_nile, load_sunspots, shipped_series

__all__ = [
    "SentimentLexicon",
    "YearlySeries",
    "array_digest",
    "load_nile",
    "load_sentiment_lexicon",
    "load_sunspots",
    "sentiment_lexicon",
    "shipped_series",
]
