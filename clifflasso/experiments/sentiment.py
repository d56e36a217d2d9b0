r"""The LLM-embedding experiment of "Black Boxes and Looking Glasses" (§6) on human-rated
sentiment words.

Zeger & Pilanci (arXiv 2410.04279) fit networks to LLM embeddings projected onto one dimension
and show kinks at reflected data points. Here the data are the shipped VADER words
(:mod:`clifflasso.datasets.sentiment`: all-MiniLM-L6-v2 embeddings projected on a ridge
sentiment direction fitted on a disjoint half of the words), labels their mean human rating
in :math:`[-4, 4]`. Protocol, seeded by ``seed``:

1. **Split.** The evaluation words are permuted: the first ``n_train`` train, the next
   ``n_validation`` validate, the rest test. Depth-4 models train on the first
   ``n_train_relu4`` / ``n_train_abs4`` training words: their complete dictionaries grow like
   :math:`16N^3` (ReLU) and like the vertex count of the abs event arrangement.
2. **Penalty.** :math:`\beta = c\,\beta_{\max}`, :math:`\beta_{\max} = \|A_c^\top y_c\|_\infty`
   of the depth-2 ReLU dictionary on that training set (the smallest :math:`\beta` giving the
   constant fit), with :math:`c` from ``beta_fractions`` minimising the validation error of
   the depth-2 ReLU Lasso. All models on one training set share :math:`\beta`, and every
   comparison uses the training objective
   :math:`\tfrac12\|f(X) - y\|^2 + \tfrac{\beta}{L}\sum_i(\|w_{i,1}\|^L + \dots + |\alpha_i|^L)`.
3. **Lasso.** :func:`~clifflasso.dictionary` (``dedupe=True``), :func:`~clifflasso.solve`
   (Clarabel), the support thresholded at ``POLISH_THRESHOLD`` :math:`\max|z|` and re-solved
   (so the rebuilt network has no :math:`10^{-10}`-sized units), the network rebuilt and
   :func:`~clifflasso.certify`-ed: exact vertex enumeration in 1-D, exact for the
   :math:`\ell_1` first-layer norm in 2-D (a polyhedral norm: finitely many candidate neurons).
4. **Nonconvex.** :func:`clifflasso.numeric.train.train` (parallel chains, L-BFGS, random
   restarts) with the same architecture and :math:`\beta` at several widths; every restart's
   objective is kept. A local search gives upper bounds only: none may fall below a certified
   optimum.
5. **Baselines.** Least squares on the 1-D projection; ridge and Lasso on the shipped PCA
   coordinates of the raw embedding, on the same training words, strength by validation.
6. **Kinks.** Each kink of an active 1-D feature is classified as a training point
   :math:`x_n`, a reflection :math:`2x_j - x_k` (of :math:`x_k` about :math:`x_j`), a midpoint
   :math:`(x_j + x_k)/2`, a point reflected about a midpoint :math:`x_j + x_k - x_p`, a
   reflection of a reflection :math:`2x_j - 2x_k + x_p`, or other (further dyadic
   combinations, from depth 4 on): "A Library of Mirrors" (arXiv 2403.01046) §3.3,
   "Black Boxes and Looking Glasses" (arXiv 2410.04279) §3.3-3.4.

BLAS is limited to one thread during the run: L-BFGS on these tiny problems is dominated by
thread start-up costs otherwise (a factor of about ten on two cores).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
from threadpoolctl import threadpool_limits

from clifflasso.architecture import Architecture
from clifflasso.datasets import sentiment_lexicon
from clifflasso.dictionary import dictionary
from clifflasso.lasso import LassoSolution, SolverError, beta_max
from clifflasso.numeric.chains import chain_kinks_1d
from clifflasso.numeric.network import ChainNetwork
from clifflasso.numeric.train import train
from clifflasso.proofs.certificates import Certificate, certify
from clifflasso.solving import solve

#: Coefficients below this fraction of max|z| are dropped before the Lasso is re-solved.
POLISH_THRESHOLD = 1e-6
#: A unit counts as a neuron when its effective coefficient exceeds this fraction of the largest
#: (local searches leave unused units small, not zero).
NEURON_THRESHOLD = 1e-3
#: Kink classification tolerance, relative to the range of the training inputs.
KINK_TOLERANCE = 1e-8
#: Tolerance (relative to the range) for "a nonconvex kink sits at a training point".
NONCONVEX_KINK_TOLERANCE = 1e-3
#: Relative slack of "no nonconvex run is below the Lasso optimum" (the solver's accuracy).
OBJECTIVE_TOLERANCE = 1e-8
KINK_KINDS = ("data", "reflection", "midpoint", "parallelogram", "double reflection", "other")


@dataclass(frozen=True)
class Config:
    r"""Sizes of one run: training-set sizes, validation size, nonconvex widths and restarts,
    L-BFGS iterations per restart and the grid of :math:`c = \beta / \beta_{\max}`."""

    n_train: int
    n_train_relu4: int
    n_train_abs4: int
    n_validation: int
    widths: tuple[int, ...]
    restarts: int
    max_iter: int
    beta_fractions: tuple[float, ...] = (0.3, 0.1, 0.03, 0.01, 0.003, 0.001)


FULL = Config(40, 25, 12, 500, widths=(4, 16, 64), restarts=8, max_iter=5000)
QUICK = Config(20, 12, 8, 300, widths=(4, 16), restarts=2, max_iter=2000)


@dataclass(frozen=True)
class Model:
    """An architecture of the experiment and the projection it is fitted on."""

    activation: str
    depth: int
    projection: str = "1d"
    norm: int = 2

    @property
    def arch(self) -> Architecture:
        """The :class:`~clifflasso.Architecture` (parallel chains, biases)."""
        return Architecture(self.activation, self.depth, norm=self.norm)

    @property
    def label(self) -> str:
        """Short name for tables and figures."""
        if self.projection == "1d":
            return f"{self.activation} L={self.depth}"
        return f"{self.activation} L={self.depth}, 2-D, p={self.norm}"

    def n_train(self, config: Config) -> int:
        """Training-set size of this model under ``config``."""
        if self.depth == 4:
            return config.n_train_relu4 if self.activation == "relu" else config.n_train_abs4
        return config.n_train


MODELS = (
    Model("relu", 2),
    Model("abs", 2),
    Model("relu", 3),
    Model("abs", 3),
    Model("relu", 4),
    Model("abs", 4),
    Model("abs", 2, projection="2d", norm=1),
)


@dataclass(frozen=True)
class Kink:
    r"""A kink location and what it is: ``kind`` in :data:`KINK_KINDS`, ``indices`` the
    training points involved: ``(n,)`` for :math:`x_n`; ``(j, k)`` for the reflection
    :math:`2x_j - x_k` or the midpoint :math:`(x_j + x_k)/2`; ``(j, k, p)`` for the
    "parallelogram" point :math:`x_j + x_k - x_p` (:math:`x_p` reflected about the midpoint of
    :math:`x_j, x_k`) or the double reflection :math:`2x_j - 2x_k + x_p`."""

    location: float
    kind: str
    indices: tuple[int, ...]


def classify_kink(location: float, x: np.ndarray, tolerance: float) -> Kink:
    """The first of :data:`KINK_KINDS` that places a point of ``x`` within ``tolerance``."""
    n = x.shape[0]
    distinct = ~np.eye(n, dtype=bool)
    candidates = (
        ("data", np.abs(x - location), np.ones(n, dtype=bool)),
        ("reflection", np.abs(2 * x[:, None] - x[None, :] - location), distinct),
        ("midpoint", np.abs((x[:, None] + x[None, :]) / 2 - location), np.triu(distinct)),
        (
            "parallelogram",
            np.abs(x[:, None, None] + x[None, :, None] - x[None, None, :] - location),
            np.triu(distinct)[:, :, None] & distinct[:, None, :] & distinct[None, :, :],
        ),
        (
            "double reflection",
            np.abs(2 * x[:, None, None] - 2 * x[None, :, None] + x[None, None, :] - location),
            distinct[:, :, None] & distinct[None, :, :],
        ),
    )
    for kind, distance, allowed in candidates:
        distance = np.where(allowed, distance, np.inf)
        best = np.unravel_index(int(np.argmin(distance)), distance.shape)
        if distance[best] <= tolerance:
            return Kink(float(location), kind, tuple(int(i) for i in best))
    return Kink(float(location), "other", ())


def _chain_scales(network: ChainNetwork) -> np.ndarray:
    r""":math:`\|w_{i,1}\|_p\prod_{l}|w_{i,l}|`: unit ``i`` is this times a normalised chain."""
    first = np.linalg.norm(network.first_weights, ord=network.norm, axis=1)
    return first * np.prod(np.abs(network.hidden_weights), axis=1)


def effective_coefficients(network: ChainNetwork) -> np.ndarray:
    r""":math:`|\alpha_i|\,\|w_{i,1}\|_p\prod_{l}|w_{i,l}|`: by positive homogeneity, unit ``i``
    outputs this times a normalised chain (for rebuilt networks, :math:`|z_i|`)."""
    return np.abs(network.output_weights) * _chain_scales(network)


def neurons(network: ChainNetwork) -> np.ndarray:
    """Indices of the units whose effective coefficient exceeds :data:`NEURON_THRESHOLD` of the
    largest."""
    coefficients = effective_coefficients(network)
    if coefficients.size == 0 or coefficients.max() == 0:
        return np.zeros(0, dtype=int)
    return np.flatnonzero(coefficients > NEURON_THRESHOLD * coefficients.max())


def distinct_neurons(network: ChainNetwork, X: np.ndarray) -> int:
    """Neurons with distinct normalised features on ``X`` (to 4 digits): the penalty is the same
    whether one feature sits in one unit or is split over several, so splits count once."""
    active = neurons(network)
    if active.size == 0:
        return 0
    features = network.units(X)[:, active] / _chain_scales(network)[active]
    scale = max(1.0, float(np.abs(features).max()))
    return int(np.unique(np.round(features / scale, 4), axis=1).shape[1])


def network_kinks(network: ChainNetwork) -> list[float]:
    """Sorted kinks of the neurons of a 1-D chain network (:func:`chain_kinks_1d` per unit)."""
    kinks = []
    for i in neurons(network):
        weights = [network.first_weights[i, 0], *network.hidden_weights[i]]
        biases = [network.first_biases[i], *network.hidden_biases[i]]
        kinks.extend(chain_kinks_1d(weights, biases, network.activation))
    return sorted(kinks)


def _mse(prediction: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((prediction - target) ** 2))


@dataclass(frozen=True)
class LassoFit:
    """One Lasso network: the optimum over the complete (deduplicated) dictionary, the
    polished and rebuilt network, its certificate, errors and kinks.

    ``features`` lists ``(kind, indices, breakpoints, z)`` of the active features (the
    dictionary's :class:`~clifflasso.Feature` records); ``kinks`` classifies their breakpoints
    (1-D only).
    """

    model: Model
    n_train: int
    beta: float
    n_columns: int
    n_raw: int
    objective: float
    network_objective: float
    certificate: Certificate
    neurons: int
    train_mse: float
    test_mse: float
    features: tuple[tuple[str, tuple[int, ...], tuple[float, ...], float], ...]
    kinks: tuple[Kink, ...]
    seconds: float
    solution: LassoSolution = field(repr=False)


@dataclass(frozen=True)
class NonconvexFit:
    """Nonconvex training at one width: every restart's objective, the best network, its
    neurons (all, and with distinct features), errors and kinks (``kinks_at_data``: within
    :data:`NONCONVEX_KINK_TOLERANCE` of the range from a training point, among
    ``kinks_in_range`` inside the training range)."""

    model: Model
    width: int
    objectives: tuple[float, ...]
    objective: float
    neurons: int
    distinct_neurons: int
    train_mse: float
    test_mse: float
    kinks_in_range: int
    kinks_at_data: int
    seconds: float
    network: ChainNetwork = field(repr=False)


@dataclass(frozen=True)
class BaselineFit:
    """A linear baseline: name, input features, chosen strength, nonzero weights, errors."""

    name: str
    n_features: int
    strength: float
    nonzeros: int
    train_mse: float
    test_mse: float


@dataclass(frozen=True)
class SentimentResult:
    """Everything :func:`run_sentiment_experiment` measured (arrays kept for the figure)."""

    config: Config
    seed: int
    beta_fraction: float
    validation_mse: dict[float, float]
    lasso: tuple[LassoFit, ...]
    nonconvex: tuple[NonconvexFit, ...]
    baselines: tuple[BaselineFit, ...]
    train_words: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    dataset_sha256: str
    seconds: float

    def runs(self, model: Model) -> list[NonconvexFit]:
        """The nonconvex fits of ``model``, by width."""
        return [run for run in self.nonconvex if run.model == model]

    def best_run(self, model: Model) -> NonconvexFit:
        """The nonconvex fit of ``model`` with the lowest objective over all widths."""
        return min(self.runs(model), key=lambda run: run.objective)

    @property
    def passed(self) -> bool:
        """Every Lasso network certified optimal by an exact method, and no nonconvex restart
        below its optimum by more than :data:`OBJECTIVE_TOLERANCE` (relative)."""
        certified = all(fit.certificate.optimal and fit.certificate.exact for fit in self.lasso)
        return certified and self.relative_excess() >= -OBJECTIVE_TOLERANCE

    def relative_excess(self) -> float:
        """Lowest (nonconvex - Lasso) / Lasso objective over every restart of every model."""
        return min(
            (value - fit.objective) / fit.objective
            for fit in self.lasso
            for run in self.runs(fit.model)
            for value in run.objectives
        )


def _inputs(model: Model, X: np.ndarray) -> np.ndarray:
    """The 1-D projection is column 0 of the 2-D one."""
    return X[:, :1] if model.projection == "1d" else X


def _relu2_beta_max(x: np.ndarray, y: np.ndarray) -> float:
    D = dictionary(x, Architecture("relu", 2), dedupe=True)
    return beta_max(D.matrix, y)


def _choose_beta_fraction(x, y, x_val, y_val, fractions) -> tuple[float, dict[float, float]]:
    r"""The fraction of :math:`\beta_{\max}` with the lowest validation error (ReLU, L=2)."""
    D = dictionary(x, Architecture("relu", 2), dedupe=True)
    top = beta_max(D.matrix, y)
    errors = {c: _mse(solve(D, y, c * top).predict(x_val), y_val) for c in fractions}
    return min(errors, key=errors.get), errors


def _fit_lasso(model: Model, X, y, X_test, y_test, beta: float) -> LassoFit:
    start = time.perf_counter()
    D = dictionary(X, model.arch, dedupe=True)
    full = solve(D, y, beta)
    magnitude = np.abs(full.z)
    solution = solve(D.subset(magnitude > POLISH_THRESHOLD * magnitude.max(initial=0.0)), y, beta)
    network = solution.network
    records = [solution.dictionary.features[int(j)] for j in solution.support]
    features = tuple(
        (f.kind, f.indices, f.breakpoints, float(solution.z[j]))
        for f, j in zip(records, solution.support)
    )
    kinks: tuple[Kink, ...] = ()
    if model.projection == "1d":
        x = X[:, 0]
        tolerance = KINK_TOLERANCE * float(np.ptp(x))
        locations = sorted({b for f in records for b in f.breakpoints})
        kinks = tuple(classify_kink(b, x, tolerance) for b in locations)
    return LassoFit(
        model=model,
        n_train=X.shape[0],
        beta=beta,
        n_columns=D.shape[1],
        n_raw=D.n_raw,
        objective=full.objective,
        network_objective=network.objective(X, y, beta),
        certificate=certify(solution),
        neurons=int(neurons(network).size),
        train_mse=_mse(network.predict(X), y),
        test_mse=_mse(network.predict(X_test), y_test),
        features=features,
        kinks=kinks,
        seconds=time.perf_counter() - start,
        solution=solution,
    )


def _fit_nonconvex(model, X, y, X_test, y_test, beta, width, config, seed) -> NonconvexFit:
    start = time.perf_counter()
    result = train(
        X,
        y,
        model.arch,
        beta,
        width=width,
        restarts=config.restarts,
        seed=seed,
        max_iter=config.max_iter,
    )
    network = result.network
    in_range = at_data = 0
    if model.projection == "1d":
        x = X[:, 0]
        kinks = np.array(network_kinks(network))
        kinks = kinks[(kinks >= x.min()) & (kinks <= x.max())]
        in_range = kinks.size
        if in_range:
            distance = np.min(np.abs(kinks[:, None] - x[None, :]), axis=1)
            at_data = int(np.sum(distance <= NONCONVEX_KINK_TOLERANCE * np.ptp(x)))
    return NonconvexFit(
        model=model,
        width=width,
        objectives=result.history,
        objective=result.objective,
        neurons=int(neurons(network).size),
        distinct_neurons=distinct_neurons(network, X),
        train_mse=_mse(network.predict(X), y),
        test_mse=_mse(network.predict(X_test), y_test),
        kinks_in_range=int(in_range),
        kinks_at_data=at_data,
        seconds=time.perf_counter() - start,
        network=network,
    )


def _ridge(Z, y, Z_val, y_val, Z_test, y_test) -> BaselineFit:
    r"""Ridge :math:`w = (Z_c^\top Z_c + \lambda I)^{-1}Z_c^\top y_c`, :math:`\lambda` by
    validation over :math:`10^{-3..3}`."""
    centre, offset = Z.mean(axis=0), y.mean()
    Zc, yc = Z - centre, y - offset
    best = None
    for lam in np.logspace(-3, 3, 25):
        w = np.linalg.solve(Zc.T @ Zc + lam * np.eye(Z.shape[1]), Zc.T @ yc)
        error = _mse((Z_val - centre) @ w + offset, y_val)
        if best is None or error < best[0]:
            best = (error, lam, w)
    _, lam, w = best
    return BaselineFit(
        f"ridge, {Z.shape[1]} PCA coords",
        Z.shape[1],
        float(lam),
        int(np.count_nonzero(w)),
        _mse(Zc @ w + offset, y),
        _mse((Z_test - centre) @ w + offset, y_test),
    )


def _linear_lasso(Z, y, Z_val, y_val, Z_test, y_test, fractions) -> BaselineFit:
    r"""Lasso :math:`\min \tfrac12\|Z_c w - y_c\|^2 + \beta\|w\|_1` (Clarabel), :math:`\beta`
    a fraction of its :math:`\beta_{\max}` chosen by validation."""
    centre, offset = Z.mean(axis=0), y.mean()
    Zc, yc = Z - centre, y - offset
    w = cp.Variable(Z.shape[1])
    strength = cp.Parameter(nonneg=True)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(Zc @ w - yc) + strength * cp.norm1(w)))
    top = beta_max(Z, y)
    best = None
    for c in fractions:
        strength.value = c * top
        problem.solve(solver=cp.CLARABEL)
        if problem.status != cp.OPTIMAL:
            raise SolverError(f"Clarabel returned {problem.status!r} for the baseline Lasso")
        weights = np.where(np.abs(w.value) > 1e-9 * np.abs(w.value).max(), w.value, 0.0)
        error = _mse((Z_val - centre) @ weights + offset, y_val)
        if best is None or error < best[0]:
            best = (error, c * top, weights)
    _, chosen, weights = best
    return BaselineFit(
        f"Lasso, {Z.shape[1]} PCA coords",
        Z.shape[1],
        float(chosen),
        int(np.count_nonzero(weights)),
        _mse(Zc @ weights + offset, y),
        _mse((Z_test - centre) @ weights + offset, y_test),
    )


def _linear_1d(x, y, x_test, y_test) -> BaselineFit:
    slope, intercept = np.polyfit(x, y, 1)
    return BaselineFit(
        "least squares, 1-D projection",
        1,
        0.0,
        1,
        _mse(slope * x + intercept, y),
        _mse(slope * x_test + intercept, y_test),
    )


def run_sentiment_experiment(quick: bool = False, seed: int = 0) -> SentimentResult:
    """Run the protocol of this module on the shipped data (:data:`QUICK` or :data:`FULL`)."""
    config = QUICK if quick else FULL
    start = time.perf_counter()
    data = sentiment_lexicon()
    order = np.random.default_rng(seed).permutation(np.flatnonzero(data.mask("evaluation")))
    n, v = config.n_train, config.n_validation
    train_rows, val_rows, test_rows = order[:n], order[n : n + v], order[n + v :]
    X, pca, y = data.inputs("2d"), data.inputs("pca"), data.rating.astype(np.float64)
    x1 = X[:, :1]
    with threadpool_limits(limits=1):
        fraction, validation = _choose_beta_fraction(
            x1[train_rows], y[train_rows], x1[val_rows], y[val_rows], config.beta_fractions
        )
        fits, runs = [], []
        for model in MODELS:
            rows = train_rows[: model.n_train(config)]
            beta = fraction * _relu2_beta_max(x1[rows], y[rows])
            inputs = _inputs(model, X)
            args = (inputs[rows], y[rows], inputs[test_rows], y[test_rows], beta)
            fits.append(_fit_lasso(model, *args))
            runs.extend(_fit_nonconvex(model, *args, w, config, seed) for w in config.widths)
        splits = [(pca[r], y[r]) for r in (train_rows, val_rows, test_rows)]
        baselines = (
            _linear_1d(x1[train_rows, 0], y[train_rows], x1[test_rows, 0], y[test_rows]),
            _ridge(*(a for pair in splits for a in pair)),
            _linear_lasso(*(a for pair in splits for a in pair), config.beta_fractions),
        )
    return SentimentResult(
        config=config,
        seed=seed,
        beta_fraction=fraction,
        validation_mse=validation,
        lasso=tuple(fits),
        nonconvex=tuple(runs),
        baselines=baselines,
        train_words=data.words[train_rows],
        X_train=X[train_rows],
        y_train=y[train_rows],
        X_test=X[test_rows],
        y_test=y[test_rows],
        dataset_sha256=data.provenance["arrays_sha256"],
        seconds=time.perf_counter() - start,
    )


def _kink_counts(fit: LassoFit) -> dict[str, int]:
    return {kind: sum(k.kind == kind for k in fit.kinks) for kind in KINK_KINDS}


def format_table(result: SentimentResult) -> str:
    """Markdown tables: Lasso vs nonconvex, where the kinks fall, and the linear baselines."""
    config = result.config
    widths = " / ".join(str(w) for w in config.widths)
    lines = [
        f"seed {result.seed}; {result.X_test.shape[0]} test words; beta = "
        f"{result.beta_fraction:g} beta_max (validation); nonconvex: {config.restarts} "
        f"restarts per width, max_iter {config.max_iter}; data sha256 "
        f"{result.dataset_sha256[:12]}; {result.seconds:.0f} s",
        "",
        f"| model | N | columns | beta | Lasso optimum | certified (sup/beta) | nonconvex best, "
        f"width {widths} | neurons Lasso / nonconvex (distinct) | test MSE Lasso / nonconvex |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for fit in result.lasso:
        best = result.best_run(fit.model)
        certificate = fit.certificate
        verdict = "yes" if certificate.optimal and certificate.exact else "NO"
        nonconvex = " / ".join(f"{run.objective:.4f}" for run in result.runs(fit.model))
        lines.append(
            f"| {fit.model.label} | {fit.n_train} | {fit.n_columns} | {fit.beta:.4g} | "
            f"{fit.objective:.4f} | {verdict} ({certificate.sup / certificate.beta:.6f}) | "
            f"{nonconvex} | {fit.neurons} / {best.neurons} ({best.distinct_neurons}) | "
            f"{fit.test_mse:.3f} / {best.test_mse:.3f} |"
        )
    lines += [
        "",
        f"Lowest nonconvex objective relative to the Lasso optimum, over all restarts: "
        f"{100 * result.relative_excess():+.4f} %",
        "",
        "| model (1-D) | kinks | data points x_n | reflections 2x_j - x_k | midpoints | "
        "x_j + x_k - x_p | 2x_j - 2x_k + x_p | other | nonconvex kinks at data points |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for fit in result.lasso:
        if fit.model.projection != "1d":
            continue
        counts = _kink_counts(fit)
        best = result.best_run(fit.model)
        lines.append(
            f"| {fit.model.label} | {len(fit.kinks)} | "
            + " | ".join(str(counts[kind]) for kind in KINK_KINDS)
            + f" | {best.kinks_at_data} of {best.kinks_in_range} |"
        )
    lines += [
        "",
        "| linear baseline | N | features | nonzeros | train MSE | test MSE |",
        "|---|---|---|---|---|---|",
    ]
    for base in result.baselines:
        lines.append(
            f"| {base.name} | {config.n_train} | {base.n_features} | {base.nonzeros} | "
            f"{base.train_mse:.3f} | {base.test_mse:.3f} |"
        )
    return "\n".join(lines)


def _reflection_arc(axis, source: float, image: float, mirror: float, base: float, height: float):
    """An arc from ``source`` to its reflection ``image`` about ``mirror`` (marked)."""
    t = np.linspace(0.0, 1.0, 40)
    axis.plot(
        source + (image - source) * t, base + height * 4 * t * (1 - t), color="C3", linewidth=0.7
    )
    axis.plot([mirror], [base], marker="^", color="C3", markersize=4)


def plot_sentiment(result: SentimentResult, path: str):
    """Figure: each 1-D Lasso network over its training words (test words faint) with the
    best nonconvex network, kinks marked by kind and each reflection :math:`2x_j - x_k` drawn
    as an arc from :math:`x_k` over the mirror :math:`x_j` (triangle); the 2-D abs network; and
    the nonconvex objectives relative to the certified optima. Saves a PNG to ``path`` and
    returns the matplotlib figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {
        "data": ("0.45", ":"),
        "reflection": ("C3", "--"),
        "midpoint": ("C2", "-."),
        "parallelogram": ("C9", "-."),
        "double reflection": ("C4", "--"),
        "other": ("C5", "-"),
    }
    figure, axes = plt.subplots(2, 4, figsize=(17, 7.5))
    panels = iter(axes.ravel())
    for fit in result.lasso:
        if fit.model.projection != "1d":
            continue
        axis = next(panels)
        x, y = result.X_train[: fit.n_train, 0], result.y_train[: fit.n_train]
        low, high = x.min(), x.max()
        margin = 0.15 * (high - low)
        grid = np.linspace(low - margin, high + margin, 800)
        axis.scatter(result.X_test[:, 0], result.y_test, s=2, color="0.8", label="test words")
        axis.scatter(x, y, s=14, color="k", zorder=3, label="training words")
        axis.plot(grid, fit.solution.network.predict(grid), color="C0", label="Lasso network")
        best = result.best_run(fit.model)
        axis.plot(
            grid,
            best.network.predict(grid),
            color="C1",
            linestyle="--",
            linewidth=1,
            label=f"nonconvex (width {best.width})",
        )
        for kink in fit.kinks:
            color, style = styles[kink.kind]
            axis.axvline(kink.location, color=color, linestyle=style, linewidth=0.8)
            if kink.kind == "reflection":
                j, k = kink.indices
                _reflection_arc(axis, x[k], kink.location, x[j], -4.6, 0.25 * abs(x[k] - x[j]))
        axis.set_xlim(grid[0], grid[-1])
        axis.set_ylim(-4.8, 4.3)
        axis.set_title(
            f"{fit.model.label}, N={fit.n_train}: objective {fit.objective:.4g} "
            f"({best.objective:.4g} nonconvex)",
            fontsize=8,
        )
        axis.set_xlabel("projection (predicted rating)", fontsize=8)
    axes[0, 0].set_ylabel("mean human rating")
    axes[1, 0].set_ylabel("mean human rating")
    axes[0, 0].legend(fontsize=6, loc="upper left")
    handles = [
        plt.Line2D([], [], color=color, linestyle=style, label=kind)
        for kind, (color, style) in styles.items()
    ]
    axes[0, 1].legend(
        handles=handles, fontsize=6, loc="upper left", title="kinks", title_fontsize=6
    )
    _plot_2d(next(panels), result)
    _plot_excess(next(panels), result)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return figure


def _plot_2d(axis, result: SentimentResult) -> None:
    """The 2-D abs network: filled contours, training words, kink lines w.x + b = 0."""
    fit = next(f for f in result.lasso if f.model.projection == "2d")
    X, y = result.X_train[: fit.n_train], result.y_train[: fit.n_train]
    pad = 0.15 * np.ptp(X, axis=0)
    g1, g2 = np.meshgrid(
        np.linspace(X[:, 0].min() - pad[0], X[:, 0].max() + pad[0], 200),
        np.linspace(X[:, 1].min() - pad[1], X[:, 1].max() + pad[1], 200),
    )
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    network = fit.solution.network
    values = network.predict(grid).reshape(g1.shape)
    levels = np.linspace(-4, 4, 17)
    axis.contourf(g1, g2, values, levels=levels, cmap="coolwarm_r", extend="both", alpha=0.6)
    for w, b in zip(network.first_weights, network.first_biases):
        axis.contour(g1, g2, (grid @ w + b).reshape(g1.shape), levels=[0.0], colors="k")
    axis.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm_r", vmin=-4, vmax=4, edgecolors="k", s=18)
    axis.set_title(
        f"{fit.model.label}, N={fit.n_train}: {fit.neurons} neurons, obj. {fit.objective:.4g}",
        fontsize=8,
    )
    axis.set_xlabel("sentiment projection", fontsize=8)
    axis.set_ylabel("intensity projection (orthogonal)", fontsize=8)


def _plot_excess(axis, result: SentimentResult) -> None:
    """(nonconvex - Lasso) / Lasso for every restart, per model and width (log scale)."""
    floor = 1e-7
    for position, fit in enumerate(result.lasso):
        for offset, run in enumerate(result.runs(fit.model)):
            excess = np.maximum((np.array(run.objectives) - fit.objective) / fit.objective, floor)
            shift = position + 0.25 * (offset - (len(result.config.widths) - 1) / 2)
            axis.scatter(
                np.full(excess.size, shift),
                excess,
                s=10,
                color=f"C{offset}",
                label=f"width {run.width}" if position == 0 else None,
            )
    axis.set_yscale("log")
    axis.set_xticks(range(len(result.lasso)))
    axis.set_xticklabels([f.model.label.replace(", ", "\n") for f in result.lasso], fontsize=6)
    axis.set_ylabel("(nonconvex - Lasso) / Lasso", fontsize=8)
    axis.set_title("every restart stays above the certified optimum", fontsize=8)
    axis.legend(fontsize=6)
