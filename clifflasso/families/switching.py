r"""Sign and threshold networks: switching patterns ("A Library of Mirrors" §3.1, §3.4).

Sign/threshold units are scale-free, so a feature is a pattern on the sorted data: constant
between consecutive distinct values, switching at chosen thresholds :math:`t_1 < \dots < t_k`,
and equal to the high value (+1, or 1 for threshold) right of the last threshold:

.. math::

    h(x) = \text{high if } \#\{i : x < t_i\} \text{ is even, low otherwise.}

A unit can realise every pattern with at most ``K`` switches: ``K = 1`` for parallel chains
(the 2-layer steps :math:`\mathbb{1}\{x \ge x_n\}`, ``sign(x - x_n)``), ``K = m_1`` for rectangular
units and :math:`K = \prod_l m_l` for trees. The raw dictionary holds, for ``U`` distinct values,
:math:`\sum_{k=0}^{K}\binom{U-1}{k}` patterns (thresholds at data values; negated patterns are
redundant up to the sign of the coefficient and the intercept, so they are left out). The
two-layer Lasso is 1-D total-variation denoising with weight beta (threshold) or beta/2 (sign).

Rebuild (derived): a node combining children whose switch sets are consecutive groups of
the target's thresholds, with weights :math:`v_j = (-1)^{k - i_{\mathrm{last}}(j)}` and bias
:math:`1 - \sum_j v_j` (sign) or :math:`\tfrac12 - \sum_j v_j` (threshold), outputs the target
pattern exactly.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import sympy as sp

from clifflasso.families.base import Feature, FeatureFamily, FeatureTable
from clifflasso.families.registry import register
from clifflasso.numeric.network import SwitchingNetwork, SwitchingUnit
from clifflasso.symbolic.activations import activation
from clifflasso.symbolic.lowering import lower_switch
from clifflasso.symbolic.network import ExactUnit, rational


@register(
    "sign / threshold, any depth, parallel / rectangular / tree (d = 1)",
    lambda arch, data: arch.is_switching and data.dim == 1,
)
class SwitchingFamily(FeatureFamily):
    """Switching patterns of sign or threshold networks of any depth and kind."""

    name = "switching patterns"
    symbolic_data = False

    def _candidates(self) -> tuple[list[float], list[Fraction], list[int]]:
        """Candidate thresholds: distinct data values after the smallest (or 0 without bias)."""
        if not self.arch.bias:
            return [0.0], [Fraction(0)], [-1]
        column = self.exact_column()
        first_index: dict[Fraction, int] = {}
        for index, value in enumerate(column):
            first_index.setdefault(value, index)
        distinct = sorted(first_index)[1:]
        return [float(v) for v in distinct], distinct, [first_index[v] for v in distinct]

    def _max_switches(self) -> int:
        return min(self.arch.max_switches, len(self._candidates()[0]))

    def size(self) -> int:
        gaps = len(self._candidates()[0])
        return sum(math.comb(gaps, k) for k in range(self._max_switches() + 1))

    def enumerate(self) -> FeatureTable:
        values, exact, data_index = self._candidates()
        width = max(self._max_switches(), 1)
        thresholds, exact_thresholds, indices = [], [], []
        for k in range(self._max_switches() + 1):
            for subset in itertools.combinations(range(len(values)), k):
                row = [values[i] for i in subset] + [np.nan] * (width - k)
                thresholds.append(row)
                exact_thresholds.append(tuple(exact[i] for i in subset))
                indices.append([data_index[i] for i in subset] + [-1] * (width - k))
        count = len(thresholds)
        exact_array = np.empty(count, dtype=object)
        exact_array[:] = exact_thresholds
        return FeatureTable(
            kinds=np.full(count, "switching"),
            indices=np.array(indices, dtype=np.int64).reshape(count, width),
            params={
                "thresholds": np.array(thresholds, dtype=np.float64).reshape(count, width),
                "exact_thresholds": exact_array,
            },
        )

    def evaluate(self, table: FeatureTable, X: np.ndarray) -> np.ndarray:
        return lower_switch(self.arch.activation).kernel(X, table.params["thresholds"].T)

    def kernel_source(self) -> str:
        """The generated switching kernel."""
        return lower_switch(self.arch.activation).source

    def magnitude_bound(self, table: FeatureTable) -> np.ndarray:
        return np.ones(len(table))

    def rounding_bound(self, table: FeatureTable) -> np.ndarray:
        """0: the values are the exact levels, the thresholds are data values compared exactly."""
        return np.zeros(len(table))

    def closed_form(self, table: FeatureTable, column: int, x, ops):
        high, low = activation(self.arch.activation).levels
        thresholds = [ops.number(t) for t in table.params["exact_thresholds"][column]]
        k = len(thresholds)
        values = [high if (k - i) % 2 == 0 else low for i in range(k + 1)]
        return ops.staircase(x, thresholds, values)

    def feature(self, table: FeatureTable, column: int) -> Feature:
        thresholds = tuple(float(t) for t in table.params["thresholds"][column] if not np.isnan(t))
        indices = tuple(int(i) for i in table.indices[column] if i >= 0)
        return Feature(
            self.name, "switching", indices, thresholds, {"thresholds": thresholds, "end": "high"}
        )

    # ----------------------------------------------------------------------------------------
    # rebuild
    def _layer_sizes(self) -> list[int]:
        L, kind, widths = self.arch.depth, self.arch.kind, self.arch.widths
        if kind == "parallel":
            return [1] * (L - 1)
        if kind == "rectangular":
            return list(widths) + [1]
        return [math.prod(widths[level:]) for level in range(L - 2)] + [1]

    def _children(self, level: int, node: int) -> list[int]:
        """Children (in layer ``level - 1``) that node ``node`` of layer ``level`` combines."""
        kind, widths = self.arch.kind, self.arch.widths
        if kind == "parallel":
            return [0]
        if kind == "rectangular":
            return list(range(widths[0])) if level == 2 else [0]
        fan_in = widths[level - 2]
        return list(range(node * fan_in, (node + 1) * fan_in))

    def _capacity(self, level: int) -> int:
        capacity = 1
        for inner in range(2, level + 1):
            capacity *= len(self._children(inner, 0))
        return capacity

    def _realise(self, layers, level: int, node: int, thresholds: list[float]) -> None:
        weights, biases = layers[level - 1]
        if level == 1:
            if thresholds:
                weights[node, 0], biases[node] = 1.0, -thresholds[0]
            return
        children = self._children(level, node)
        size = self._capacity(level - 1)
        groups = [thresholds[i : i + size] for i in range(0, len(thresholds), size)]
        total = 0.0
        for position, (child, group) in enumerate(zip(children, groups)):
            last = min((position + 1) * size, len(thresholds))
            weight = 1.0 if (len(thresholds) - last) % 2 == 0 else -1.0
            weights[node, child] = weight
            total += weight
            self._realise(layers, level - 1, child, group)
        offset = 1.0 if self.arch.activation == "sign" else 0.5
        biases[node] = offset - total

    def unit(self, thresholds: list[float], amplitude: float) -> SwitchingUnit:
        sizes = self._layer_sizes()
        inputs = [1] + sizes[:-1]
        layers = [(np.zeros((n_out, n_in)), np.ones(n_out)) for n_out, n_in in zip(sizes, inputs)]
        self._realise(layers, len(sizes), 0, sorted(thresholds))
        return SwitchingUnit(layers=tuple(layers), amplitude=amplitude)

    def exact_unit(self, table: FeatureTable, column: int, z: Fraction) -> ExactUnit:
        r"""The unit of coefficient :math:`z` with exact weights: the integer and half-integer
        weights of :meth:`unit`, the exact thresholds as first-layer biases, amplitude and output
        weight :math:`\sqrt{|z|}` and :math:`\mathrm{sign}(z)\sqrt{|z|}`."""
        exact_thresholds = table.params["exact_thresholds"][column]
        by_value = {float(t): t for t in exact_thresholds}
        unit = self.unit([float(t) for t in exact_thresholds], 1.0)
        layers = []
        for level, (weights, biases) in enumerate(unit.layers):
            exact_w = sp.Matrix([[rational(w) for w in row] for row in weights])
            exact_b = []
            for i, bias in enumerate(biases):
                if level == 0 and weights[i, 0] == 1 and -bias in by_value:
                    exact_b.append(-rational(by_value[-bias]))
                else:
                    exact_b.append(rational(Fraction(bias)))
            layers.append((exact_w, sp.Matrix(exact_b)))
        root = sp.sqrt(abs(rational(z)))
        return ExactUnit(column, z, tuple(layers), root, sp.sign(rational(z)) * root)

    def rebuild(self, table: FeatureTable, z: np.ndarray, intercept: float) -> SwitchingNetwork:
        r"""Each column becomes a unit with amplitude :math:`\sqrt{|z_j|}` and output weight
        :math:`\mathrm{sign}(z_j)\sqrt{|z_j|}`, so its penalty is :math:`\beta|z_j|`."""
        z = np.asarray(z, dtype=np.float64)
        root = np.sqrt(np.abs(z))
        units = tuple(
            self.unit([t for t in row if not np.isnan(t)], float(scale))
            for row, scale in zip(table.params["thresholds"], root)
        )
        return SwitchingNetwork(
            activation=self.arch.activation,
            depth=self.arch.depth,
            kind=self.arch.kind,
            units=units,
            output_weights=np.sign(z) * root,
            output_bias=float(intercept),
            widths=self.arch.widths,
        )
