"""The shipped sentiment lexicon and the LLM-embedding experiment ("Black Boxes and Looking
Glasses" §6)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.image import imread
from threadpoolctl import threadpool_limits

import clifflasso as cl
from clifflasso.datasets import array_digest, load_sentiment_lexicon, sentiment_lexicon
from clifflasso.datasets.sentiment import ARRAY_NAMES, DATA_FILE, PROVENANCE_FILE
from clifflasso.experiments.cli import experiment
from clifflasso.experiments.sentiment import (
    KINK_KINDS,
    classify_kink,
    format_table,
    plot_sentiment,
    run_sentiment_experiment,
)
from clifflasso.numeric.train import train


def test_shipped_file_round_trips_against_the_provenance_hash():
    data = sentiment_lexicon(verify=False)
    provenance = data.provenance
    assert array_digest(data.arrays()) == provenance["arrays_sha256"]
    for name, (dtype, shape) in provenance["arrays"].items():
        array = data.arrays()[name]
        assert str(array.dtype) == dtype and list(array.shape) == shape
    folder = resources.files("clifflasso.datasets")
    assert folder.joinpath(DATA_FILE).stat().st_size < 2 * 2**20
    shipped = json.loads(folder.joinpath(PROVENANCE_FILE).read_text())
    assert shipped["arrays_sha256"] == provenance["arrays_sha256"]
    assert {"seed", "created", "packages", "source"} <= set(provenance)


def test_digest_sees_every_array():
    arrays = sentiment_lexicon().arrays()
    reference = array_digest(arrays)
    for name in ARRAY_NAMES:
        changed = dict(arrays)
        changed[name] = arrays[name][::-1].copy()
        assert array_digest(changed) != reference, name


def test_loader_gives_words_projections_and_ratings():
    data = sentiment_lexicon()
    words, X, y = load_sentiment_lexicon()
    assert X.shape == (words.shape[0], 1) and y.shape == words.shape
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.all(np.abs(y) <= 4) and len(set(words.tolist())) == words.shape[0]
    assert words.shape[0] == data.provenance["n_evaluation"]
    _, X2, _ = load_sentiment_lexicon("2d")
    np.testing.assert_array_equal(X2[:, 0], X[:, 0])
    _, P, _ = load_sentiment_lexicon("pca", subset="all")
    assert P.shape == (data.provenance["n_words"], data.provenance["pca"]["n_components"])
    assert not np.any(data.mask("direction") & data.mask("evaluation"))
    # the projection was fitted on the other half of the words and still predicts the ratings
    assert np.corrcoef(X[:, 0], y)[0, 1] > 0.7
    with pytest.raises(ValueError, match="projection"):
        load_sentiment_lexicon("3d")


def _training_set(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    _, X, y = load_sentiment_lexicon()
    rows = np.random.default_rng(seed).choice(X.shape[0], size=n, replace=False)
    return X[rows], y[rows]


@pytest.mark.parametrize(
    ("activation", "depth", "n"),
    [("relu", 2, 30), ("abs", 2, 30), ("relu", 3, 25), ("abs", 3, 25), ("relu", 4, 12)],
)
def test_lasso_networks_on_the_projection_are_certified_and_no_local_search_beats_them(
    activation, depth, n
):
    X, y = _training_set(n)
    arch = cl.Architecture(activation, depth)
    D = cl.dictionary(X, arch, dedupe=True)
    beta = 0.01 * cl.beta_max(cl.dictionary(X, cl.Architecture("relu", 2)).matrix, y)
    solution = cl.solve(D, y, beta)
    certificate = cl.certify(solution)
    assert certificate.optimal and certificate.exact, certificate
    assert certificate.gap <= 1e-6 * solution.objective
    network_value = solution.network.objective(X, y, beta)
    assert network_value == pytest.approx(solution.objective, rel=1e-8)
    for width in (3, 12):
        with threadpool_limits(limits=1):  # L-BFGS on tiny problems: threads only cost
            result = train(X, y, arch, beta, width=width, restarts=4, seed=0)
        assert min(result.history) >= solution.objective * (1 - 1e-9)


def test_kinks_are_classified_as_points_reflections_and_midpoints():
    x = np.array([0.0, 1.0, 4.0, 9.0])
    assert classify_kink(4.0, x, 1e-9).kind == "data"
    reflection = classify_kink(14.0, x, 1e-9)  # 2 * 9 - 4: x_2 reflected about x_3
    assert (reflection.kind, reflection.indices) == ("reflection", (3, 2))
    assert classify_kink(6.5, x, 1e-9).kind == "midpoint"
    assert classify_kink(12.0, x, 1e-9).kind == "parallelogram"  # 4 + 9 - 1
    assert classify_kink(16.0, x, 1e-9).kind == "double reflection"  # 2 * 9 - 2 * 1 + 0
    assert classify_kink(0.123, x, 1e-9).kind == "other"


@pytest.fixture(scope="module")
def quick_result():
    return run_sentiment_experiment(quick=True, seed=0)


def test_quick_experiment_certifies_every_lasso_network(quick_result):
    assert len(quick_result.lasso) == 7
    for fit in quick_result.lasso:
        assert fit.certificate.optimal and fit.certificate.exact, fit.model.label
        assert fit.network_objective == pytest.approx(fit.objective, rel=1e-7)
        assert np.isfinite(fit.test_mse)
    assert quick_result.relative_excess() >= -1e-9 and quick_result.passed
    assert quick_result.beta_fraction in quick_result.config.beta_fractions
    table = format_table(quick_result)
    assert table.count("| yes (") == 7 and "NO" not in table


def test_kinks_fall_where_the_theory_puts_them(quick_result):
    allowed = {
        ("relu", 2): {"data"},
        ("abs", 2): {"data"},
        ("relu", 3): {"data"},
        ("abs", 3): {"data", "reflection", "midpoint"},
        ("relu", 4): {"data", "reflection"},
        ("abs", 4): set(KINK_KINDS),
    }
    for fit in quick_result.lasso:
        if fit.model.projection == "1d":
            kinds = {kink.kind for kink in fit.kinks}
            assert kinds <= allowed[fit.model.activation, fit.model.depth], fit.model.label
            assert len(fit.kinks) > 0


def test_quick_figure_has_the_kinks_drawn(quick_result, tmp_path):
    target = tmp_path / "sentiment.png"
    figure = plot_sentiment(quick_result, str(target))
    image = imread(target)
    assert image.ndim == 3 and np.std(image) > 0
    fits = [fit for fit in quick_result.lasso if fit.model.projection == "1d"]
    for axis, fit in zip(figure.axes, fits):
        vertical = [
            line
            for line in axis.get_lines()
            if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2
        ]
        assert len(vertical) >= len(fit.kinks), fit.model.label


def test_cli_runs_the_quick_experiment(tmp_path):
    target = tmp_path / "cli.png"
    result = CliRunner().invoke(experiment, ["sentiment", "--quick", "--plot", str(target)])
    assert result.exit_code == 0, result.output
    assert "| relu L=2 |" in result.output and "reflections 2x_j - x_k" in result.output
    assert target.exists()
