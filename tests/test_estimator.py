"""ConvexNetRegressor: scikit-learn's own estimator checks, and the Lasso + rebuild behind fit."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import check_estimator

import clifflasso as cl
from clifflasso.estimator import ConvexNetRegressor


@pytest.mark.parametrize(
    "params",
    [{}, {"activation": "abs", "depth": 2, "norm": 1}],
    ids=["relu-2 (default)", "abs-2-l1"],
)
def test_check_estimator_passes(params):
    check_estimator(ConvexNetRegressor(**params))


def test_fit_is_the_lasso_and_predict_the_rebuilt_network():
    rng = np.random.default_rng(0)
    x = np.sort(rng.uniform(-3, 3, 12))
    y = np.abs(x - 1) + 0.1 * rng.normal(size=12)
    model = ConvexNetRegressor(activation="abs", depth=3, beta=0.05).fit(x[:, None], y)
    D = cl.dictionary(x, cl.Architecture("abs", 3), dedupe=True)
    reference = cl.solve(D, y, 0.05)
    assert model.n_features_in_ == 1
    assert model.coef_.shape == (len(D),)
    assert model.solution_.objective == pytest.approx(reference.objective, rel=1e-7)
    assert model.intercept_ == model.solution_.intercept
    # the network's training objective equals the Lasso optimum, and it predicts the fit
    network_value = model.network_.objective(x, y, 0.05)
    assert network_value == pytest.approx(model.solution_.objective, rel=1e-8)
    np.testing.assert_allclose(model.predict(x[:, None]), model.solution_.fitted, atol=1e-9)
    grid = np.linspace(-4, 4, 17)[:, None]
    np.testing.assert_allclose(model.predict(grid), model.solution_.predict(grid), atol=1e-9)
    assert model.score(x[:, None], y) > 0.9


def test_multivariate_inputs_use_a_sampled_hyperplane_dictionary():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(40, 3))
    y = np.maximum(X @ np.array([1.0, -2.0, 0.5]), 0.0)
    model = ConvexNetRegressor(max_features=60, random_state=3).fit(X, y)
    D = model.solution_.dictionary
    assert D.family.name == "relu wedge"
    assert D.n_raw <= 60 + 1 and D.n_full > 10_000
    again = clone(model).fit(X, y)
    np.testing.assert_array_equal(again.coef_, model.coef_)
    drawn = ConvexNetRegressor(max_features=60, random_state=np.random.RandomState(0)).fit(X, y)
    assert drawn.solution_.dictionary.n_raw <= 61
    assert model.score(X, y) > 0.9
    with pytest.raises(ValueError, match="relu depth 5.*available:.*relu depth 2"):
        ConvexNetRegressor(activation="relu", depth=5).fit(X, y)
    with pytest.raises(ValueError, match="unknown activation"):
        ConvexNetRegressor(activation="tanh").fit(X, y)


def test_deep_one_dimensional_networks_and_model_selection():
    x = np.array([0, 4, 5, 7, 10, 11], dtype=float)[:, None]
    y = np.array([0, 0, 0, 2, 3, 3], dtype=float)
    model = ConvexNetRegressor(activation="relu", depth=4, beta=1e-3).fit(x, y)
    assert model.network_.depth == 4
    assert model.score(x, y) > 0.999
    search = GridSearchCV(
        ConvexNetRegressor(), {"activation": ["relu", "abs"], "beta": [1e-3, 1.0]}, cv=3
    ).fit(np.linspace(-2, 2, 30)[:, None], np.abs(np.linspace(-2, 2, 30)))
    assert search.best_params_["activation"] == "abs"
    assert model.get_params()["depth"] == 4
    assert model.set_params(depth=3).depth == 3
