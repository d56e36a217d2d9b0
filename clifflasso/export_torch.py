r"""The PyTorch module of a chain network (imported only by :func:`clifflasso.export.to_torch`).

:class:`ChainModule` is defined at module level and keeps only tensors, the activation's name
and its slope, so ``torch.save(module, file)`` and ``torch.load(file, weights_only=False)``
round-trip it (with ``clifflasso`` installed), as does its ``state_dict``.
"""

from __future__ import annotations

import numpy as np
import torch

from clifflasso.numeric.network import ChainNetwork
from clifflasso.symbolic.activations import activation as named_activation

_WEIGHTS = ("first_weights", "first_biases", "hidden_weights", "hidden_biases", "output_weights")


class ChainModule(torch.nn.Module):
    r"""Parallel deep-narrow chains (float64):
    :math:`f(x) = \xi + \sum_i \alpha_i u_i(x)`, the weights of a
    :class:`~clifflasso.ChainNetwork` as parameters."""

    def __init__(self, network: ChainNetwork) -> None:
        super().__init__()
        self.activation = network.activation
        self.slope = network.slope
        for name in _WEIGHTS:
            value = torch.as_tensor(np.asarray(getattr(network, name), dtype=np.float64))
            setattr(self, name, torch.nn.Parameter(value))
        self.output_bias = torch.nn.Parameter(
            torch.tensor(float(network.output_bias), dtype=torch.float64)
        )

    def forward(self, x):
        """The network output at the rows of ``x`` (shape (n,) or (n, d))."""
        sigma = named_activation(self.activation, self.slope).torch
        x = x.reshape(x.shape[0], -1).to(torch.float64)
        hidden = sigma(x @ self.first_weights.T + self.first_biases)
        for k in range(self.hidden_weights.shape[1]):
            hidden = sigma(hidden * self.hidden_weights[:, k] + self.hidden_biases[:, k])
        return hidden @ self.output_weights + self.output_bias
