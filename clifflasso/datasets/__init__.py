"""Data sets shipped with clifflasso (small files under ``clifflasso/datasets/``)."""

from clifflasso.datasets.sentiment import (
    SentimentLexicon,
    array_digest,
    load_sentiment_lexicon,
    sentiment_lexicon,
)

__all__ = ["SentimentLexicon", "array_digest", "load_sentiment_lexicon", "sentiment_lexicon"]
