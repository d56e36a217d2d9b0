r"""A scikit-learn regressor whose ``fit`` is the convex Lasso plus the rebuild of the network.

:class:`ConvexNetRegressor` builds the dictionary of an :class:`~clifflasso.Architecture` on the
training inputs (:func:`clifflasso.dictionary`, duplicates removed), solves

.. math::

    \min_{z,\xi}\ \tfrac12\|Az + \xi\mathbf 1 - y\|_2^2 + \beta\|z\|_1

(:func:`clifflasso.solve`) and predicts with the rebuilt network (one chain per nonzero
coefficient), whose training
objective equals the Lasso optimum. One-dimensional inputs use the complete families of
every activation and depth; inputs with ``d >= 2`` features have dictionaries for ReLU depth
2 to 4 and absolute value of every depth, sampled down to about ``max_features`` columns (then
the Lasso is an upper bound on the training optimum; :func:`clifflasso.certify` decides).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from clifflasso._data import as_data, merge_repeated
from clifflasso.architecture import Architecture
from clifflasso.dictionary import Dictionary, dictionary, family_for
from clifflasso.solving import solve


class ConvexNetRegressor(RegressorMixin, BaseEstimator):
    """Deep-narrow network regression through the convex Lasso: the globally optimal network
    of the architecture for one input feature (an upper bound on the optimum for ``d >= 2``).

    Parameters
    ----------
    activation:
        ``"relu"``, ``"leaky_relu"``, ``"abs"``, ``"threshold"`` or ``"sign"``. For inputs
        with two or more features: ``"relu"`` (depth 2) or ``"abs"`` (depth 2 or 3).
    depth:
        Number of layers ``L >= 2`` of each parallel chain.
    beta:
        Regularisation strength ``beta >= 0`` of the penalty ``(beta/L) sum |w|^L``
        (0: the minimum-l1 least-squares fit).
    norm:
        First-layer norm ``p`` in ``{1, 2}`` (the same in one dimension).
    bias:
        Whether the first layer has a bias (kinks away from the origin).
    output_bias:
        Whether the network has a free output bias (``intercept_``).
    max_features:
        For inputs with ``d >= 2`` features: at most about this many dictionary columns, a
        seeded random sample of the hyperplanes through the samples (``None``: the complete
        family, which grows like ``N^d``). Ignored for one-dimensional inputs.
    random_state:
        Seed of that sample: an integer (default 0, reproducible), ``None`` or a
        ``numpy.random.RandomState``.
    solver:
        Lasso solver (:func:`clifflasso.solve`): ``"auto"`` (default), ``"homotopy"``,
        ``"working_set"``, ``"cd"`` or a cvxpy solver such as ``"clarabel"``.

    Attributes
    ----------
    solution_:
        The :class:`~clifflasso.LassoSolution` (its ``dictionary`` holds the features).
    network_:
        The rebuilt network (``ChainNetwork`` or ``SwitchingNetwork``) used by :meth:`predict`.
    coef_:
        Lasso coefficients ``z``, one per dictionary column, shape ``(P,)``.
    intercept_:
        The output bias ``xi``.
    n_features_in_:
        Number of input features seen by :meth:`fit`.
    """

    def __init__(
        self,
        activation: str = "relu",
        depth: int = 2,
        beta: float = 1e-3,
        norm: int = 2,
        bias: bool = True,
        output_bias: bool = True,
        max_features: int | None = 200,
        random_state: int | np.random.RandomState | None = 0,
        solver: str = "auto",
    ) -> None:
        self.activation = activation
        self.depth = depth
        self.beta = beta
        self.norm = norm
        self.bias = bias
        self.output_bias = output_bias
        self.max_features = max_features
        self.random_state = random_state
        self.solver = solver

    def _architecture(self, n_features: int) -> Architecture:
        """The validated architecture for inputs with ``n_features`` features."""
        arch = Architecture(
            self.activation,
            self.depth,
            bias=self.bias,
            output_bias=self.output_bias,
            norm=self.norm,
        )
        if n_features > 1:
            probe = as_data(np.zeros((2, n_features)))
            try:
                family_for(arch, probe)
            except ValueError as exc:
                raise ValueError(
                    f"ConvexNetRegressor(activation={self.activation!r}, depth={self.depth}) "
                    f"has no dictionary for inputs with {n_features} features: {exc}"
                ) from exc
        return arch

    def _seed(self) -> int:
        """The sampling seed: ``random_state`` itself when it is an integer, else one drawn
        from it (``None``: fresh entropy; a ``numpy.random.RandomState``: its next draw)."""
        if isinstance(self.random_state, numbers.Integral) and not isinstance(
            self.random_state, bool
        ):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def fit(self, X, y, sample_weight=None) -> ConvexNetRegressor:
        """Build the dictionary on ``X``, solve the Lasso for ``y`` and rebuild the network.

        ``X`` has shape (n_samples, n_features) with at least two samples, ``y`` shape
        (n_samples,), ``sample_weight`` (optional, positive) weights the squared loss of each
        sample. Returns the fitted estimator.
        """
        X, y = validate_data(self, X, y, y_numeric=True, ensure_min_samples=2, dtype=np.float64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            # a zero weight removes the sample (the scikit-learn convention)
            keep = sample_weight > 0
            X, y, sample_weight = X[keep], y[keep], sample_weight[keep]
            if X.shape[0] < 2:
                raise ValueError("at least two samples need a positive sample_weight")
        arch = self._architecture(X.shape[1])
        # repeated inputs become one weighted point (exact; the dictionary is sized by the
        # distinct inputs, and repeating a sample is the same as doubling its weight)
        X, y, merged, _, _ = merge_repeated(X, y, sample_weight)
        if X.shape[0] < 2:
            raise ValueError("need at least two distinct inputs")
        sample_weight = None if np.all(merged == 1) else merged
        D: Dictionary = dictionary(
            X,
            arch,
            dedupe=True,
            max_features=self.max_features if X.shape[1] > 1 else None,
            seed=self._seed(),
        )
        self.solution_ = solve(D, y, self.beta, self.solver, sample_weight=sample_weight)
        self.network_ = self.solution_.network
        self.coef_ = self.solution_.z.copy()
        self.intercept_ = float(self.solution_.intercept)
        return self

    def predict(self, X) -> np.ndarray:
        """The rebuilt network's output at each row of ``X`` (shape (n_samples,))."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.predict(X)
