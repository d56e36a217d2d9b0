r"""Human-rated sentiment words embedded by a sentence encoder: the data of the LLM experiment.

The LLM experiment of "Black Boxes and Looking Glasses" (Zeger & Pilanci, arXiv 2410.04279,
§6) fits networks to LLM embeddings projected onto one dimension. This module ships a small,
reproducible stand-in built from public parts:

* **words and labels**: the VADER lexicon (Hutto & Gilbert, ICWSM 2014; ``vader_lexicon.txt``
  of the MIT-licensed ``vaderSentiment`` package), every token rated by ten people on
  :math:`[-4, 4]`. Kept: purely alphabetic tokens (``[a-z]+``); the few tokens listed twice
  have their raw ratings pooled. ``rating`` is the mean raw rating, ``rating_std`` the
  population standard deviation of the raw ratings.
* **embeddings**: all-MiniLM-L6-v2 (sentence-transformers; 384-d, mean pooled, unit norm),
  computed offline by ``scripts/embed_lexicon.py``; the 384-d vectors are *not* shipped.
* **split**: a seeded half of the words (``split == 0``, "direction") is used to fit the
  projections below; the other half (``split == 1``, "evaluation") is what experiments use,
  so the projections never saw an evaluation label.
* **projections** (fitted on the direction split, centre :math:`\bar e`, :math:`\bar y`):

  .. math::

      x^{(1)} = (e - \bar e)^\top w_1 + \bar y,\qquad
      w_1 = \arg\min_w \|E_c w - y_c\|^2 + \lambda\|w\|^2

  (ridge, :math:`\lambda` by generalised cross-validation): the least-squares sentiment
  direction, in rating units. ``projection_2d`` adds
  :math:`x^{(2)} = (e - \bar e)^\top w_2^\perp + \overline{|y|}` with :math:`w_2` the ridge
  direction of the rating magnitude :math:`|y|` and :math:`w_2^\perp` its component
  orthogonal to :math:`w_1` (a predicted "intensity" axis).
* **PCA**: the top principal coordinates :math:`(e - \bar e)^\top v_k` of the direction split
  (float32), for linear baselines on the raw embedding.

The provenance JSON (package versions, seed, date, hashes of the source files and model
weights) carries ``arrays_sha256`` = :func:`array_digest` of the shipped arrays;
:func:`sentiment_lexicon` checks it on every load.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

DATA_FILE = "sentiment_lexicon.npz"
PROVENANCE_FILE = "sentiment_lexicon.json"
#: Names of the arrays in :data:`DATA_FILE`.
ARRAY_NAMES = ("words", "rating", "rating_std", "split", "projection_1d", "projection_2d", "pca")
SPLITS = {"direction": 0, "evaluation": 1}
PROJECTIONS = ("1d", "2d", "pca")


def array_digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over the arrays in name order: name, dtype, shape, then C-order bytes."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(name.encode())
        digest.update(array.dtype.str.encode())
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class SentimentLexicon:
    """The shipped arrays (one row per word) and their provenance.

    ``projection_1d`` (n,), ``projection_2d`` (n, 2) and ``pca`` (n, k) are float32 as shipped;
    ``split`` is 0 for the direction split, 1 for the evaluation split.
    """

    words: np.ndarray
    rating: np.ndarray
    rating_std: np.ndarray
    split: np.ndarray
    projection_1d: np.ndarray
    projection_2d: np.ndarray
    pca: np.ndarray
    provenance: dict[str, Any]

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by their names in the data file."""
        return {name: getattr(self, name) for name in ARRAY_NAMES}

    def mask(self, subset: str) -> np.ndarray:
        """Boolean row mask of ``"direction"``, ``"evaluation"`` or ``"all"``."""
        if subset == "all":
            return np.ones(self.words.shape[0], dtype=bool)
        if subset not in SPLITS:
            raise ValueError(f"subset must be 'all' or one of {sorted(SPLITS)}, got {subset!r}")
        return self.split == SPLITS[subset]

    def inputs(self, projection: str) -> np.ndarray:
        """Inputs as a float64 (n, d) array: ``"1d"``, ``"2d"`` or ``"pca"``."""
        if projection == "1d":
            return self.projection_1d.astype(np.float64)[:, None]
        if projection == "2d":
            return self.projection_2d.astype(np.float64)
        if projection == "pca":
            return self.pca.astype(np.float64)
        raise ValueError(f"projection must be one of {PROJECTIONS}, got {projection!r}")


def sentiment_lexicon(verify: bool = True) -> SentimentLexicon:
    """Load the shipped data set; with ``verify``, check its hash against the provenance."""
    folder = resources.files(__package__)
    provenance = json.loads(folder.joinpath(PROVENANCE_FILE).read_text(encoding="utf-8"))
    with folder.joinpath(DATA_FILE).open("rb") as handle, np.load(handle) as archive:
        arrays = {name: archive[name] for name in ARRAY_NAMES}
    if verify and array_digest(arrays) != provenance["arrays_sha256"]:
        raise ValueError(f"{DATA_FILE} does not match the hash recorded in {PROVENANCE_FILE}")
    return SentimentLexicon(**arrays, provenance=provenance)


def load_sentiment_lexicon(
    projection: str = "1d", subset: str = "evaluation"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(words, X, y)``: the words, their projected embeddings and mean human ratings.

    ``projection`` is ``"1d"`` (X of shape (n, 1)), ``"2d"`` or ``"pca"``; ``subset`` is
    ``"evaluation"`` (default: words whose labels the projections never saw), ``"direction"``
    or ``"all"``. X and y are float64.
    """
    data = sentiment_lexicon()
    mask = data.mask(subset)
    return data.words[mask], data.inputs(projection)[mask], data.rating.astype(np.float64)[mask]
