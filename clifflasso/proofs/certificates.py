r"""Optimality certificates: is a Lasso solution the globally optimal network?

A certificate bounds the training optimum :math:`P^*` of the architecture (all widths, all
weights) from both sides and compares the candidate's objective with it
(:mod:`clifflasso.proofs.duality`):

* a **lower bound** :math:`D(\mu') \le P^*` from a dual-feasible point
  :math:`\mu' = \mu\min(1, \beta/s)`, :math:`s \ge \sup_\theta|\mu^\top F_\theta(X)|`;
* an **upper bound**: the candidate's own objective, or a better network exhibited by the
  certificate (the exact optimum on an enlarged support, or the candidate plus a violating unit
  at its best step).

Every number that decides a verdict is computed in exact rational arithmetic (data and labels
are the floats given, taken exactly), except the settled columns of a streamed pass, which are
excluded by rigorous floating-point error bounds (:mod:`clifflasso.lasso.screening`). The
supremum comes from

* **vertex enumeration** (:mod:`clifflasso.proofs.vertex`) for the complete families: every 1-D
  family and the polyhedral (``norm=1``) d-D families;
* **activation chambers** (:mod:`clifflasso.proofs.chambers`) for two-layer ReLU / abs units with
  the Euclidean norm in d >= 2, one SOCP per chamber with an exact dual bound;
* **lifted chambers** (:mod:`clifflasso.proofs.lifted`) for depth-3 ReLU / abs chains with the
  Euclidean norm in d >= 2, one SOCP per cone of the event arrangement in :math:`(w, a, r)`;
* **sampling** (:mod:`clifflasso.proofs.sampling`) otherwise: evidence, never a proof.

Kinds: ``exact`` (the optimum is computed exactly and the candidate's distance to it too),
``bounded`` (the candidate is proven within :math:`\varepsilon` = ``epsilon`` of the optimum),
``sampled`` (no proof). Verdicts: ``optimal`` when ``objective - lower_bound`` is at most
``tolerance`` times the objective, ``not optimal`` when a network at least that much better is
exhibited, ``undecided`` otherwise; sampled certificates say ``no violator found`` or
``violator found``. Solver noise cannot flip a verdict: the dual point is rebuilt exactly from
the candidate's support and signs, and a support that misses a column is completed exactly
before anything is concluded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from clifflasso import _display
from clifflasso.lasso.correlations import has_prefix_path
from clifflasso.proofs.chambers import chamber_bound, violation_decrease
from clifflasso.proofs.duality import dual_value, exact, primal_value, rational_upper
from clifflasso.proofs.lifted import (
    DEFAULT_MAX_CELLS,
    LIFTED,
    CellLimitError,
    lifted_chamber_bound,
    lifted_parameters,
    lifted_patterns,
)
from clifflasso.proofs.sampling import chain_values, sampled_sup
from clifflasso.proofs.vertex import vertex_certificate

#: Above this many dictionary entries to compute (N x P, or ~8 per column on the 1-D
#: prefix-sum path) the complete family is not streamed and the certificate samples instead.
DEFAULT_MAX_ENTRIES = 20_000_000_000
#: Largest number of entries evaluated exactly (closed forms) by a vertex certificate.
DEFAULT_EXACT_BUDGET = 2_000_000
#: Bytes per column of a feature table (parameters and indices), to refuse enumerations early.
_TABLE_BYTES_PER_COLUMN = 96


@dataclass(frozen=True)
class Violator:
    """A normalised unit that beats beta: adding it as a column lowers the Lasso objective."""

    parameters: dict[str, Any]
    column: np.ndarray
    correlation: float
    description: str


@dataclass(frozen=True)
class Certificate:
    r"""Result of :func:`certify` (module docstring).

    ``objective``: the candidate's objective; ``lower_bound``: a proven lower bound on the
    training optimum; ``epsilon`` = objective - lower_bound, a proven bound on how far the
    candidate is from the optimum (``nan`` for sampled certificates); ``optimum``: the exact
    training optimum when the certificate computed it; ``improved_objective``: the objective of
    a better network it exhibits; ``sup``: the bound on (or, sampled, estimate of)
    :math:`\sup_\theta|\mu^\top F_\theta|` at the dual point; ``violator``: the unit attaining it
    when it exceeds beta.
    """

    verdict: str
    kind: str
    objective: float
    lower_bound: float
    epsilon: float
    sup: float
    beta: float
    tolerance: float
    method: str
    violator: Violator | None = None
    optimum: Fraction | None = None
    improved_objective: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def optimal(self) -> bool:
        """Proven optimal (to ``tolerance``)."""
        return self.verdict == "optimal"

    @property
    def exact(self) -> bool:
        """The optimum and the candidate's distance to it were computed exactly."""
        return self.kind == "exact"

    @property
    def proof(self) -> bool:
        """The verdict is proved (``exact`` or ``bounded`` kind, and decided)."""
        return self.kind != "sampled" and self.verdict in ("optimal", "not optimal")

    @property
    def gap(self) -> float:
        """``epsilon``: objective minus the proven lower bound."""
        return self.epsilon

    @property
    def strength(self) -> str:
        """What the certificate is worth: an exact proof, a bounded proof, or evidence only."""
        if self.kind == "sampled":
            return "evidence only, not a proof"
        if self.kind == "bounded":
            return f"proof, bounded: objective - optimum <= {self.epsilon:.3g}"
        return "proof, exact"

    def _repr_html_(self) -> str:
        colour = {"optimal": "green", "not optimal": "red"}.get(self.verdict, "orange")
        verdict = f"<b style='color:{colour}'>{_display.text(self.verdict.upper())}</b>"
        rows = [
            ("verdict", f"{verdict} ({_display.text(self.strength)})"),
            ("objective", _display.text(f"{self.objective:.12g}")),
            ("proven lower bound", _display.text(f"{self.lower_bound:.12g}")),
            ("ε = objective − bound", _display.text(f"{self.epsilon:.3g}")),
            ("sup |μᵀF| vs β", _display.text(f"{self.sup:.10g} vs {self.beta:.10g}")),
            ("method", _display.text(self.method)),
        ]
        if self.optimum is not None:
            rows.append(("exact optimum", _display.text(self.optimum)))
        if self.improved_objective is not None:
            rows.append(("better objective", _display.text(f"{self.improved_objective:.12g}")))
        if self.violator is not None:
            rows.append(("violator", _display.text(self.violator.description)))
        footer = "".join(f"<p>{_display.text(note)}</p>" for note in self.notes)
        return _display.table("Certificate", rows, footer)

    def __repr__(self) -> str:
        verdict = (
            self.verdict.upper() if self.verdict in ("optimal", "not optimal") else (self.verdict)
        )
        strength = self.strength
        return (
            f"Certificate({verdict}: objective {self.objective:.12g}, lower bound "
            f"{self.lower_bound:.12g}, sup |mu^T F| = {self.sup:.10g} vs beta = "
            f"{self.beta:.10g}, method = {self.method!r}, {strength})"
        )


def _exact_inputs(solution):
    y = [exact(v) for v in solution.y]
    weights = getattr(solution, "weights", None)
    weights = None if weights is None else [exact(w) for w in weights]
    return y, weights, exact(solution.beta)


def _float_objective_bound(solution) -> tuple[Fraction, Fraction]:
    """``(objective, upper)``: the candidate's objective evaluated in exact arithmetic from its
    float fitted values, and a rigorous upper bound allowing for the rounding of the features
    (family bound) and of the sums that formed the fitted values."""
    D = solution.dictionary
    support = solution.support
    family = D.family
    table = D.table.take(support)
    z = np.asarray([float(v) for v in np.asarray(solution.z)[support]], dtype=np.float64)
    values = family.evaluate(table, D.X)
    fitted = values @ z + float(solution.intercept)
    rho = family.rounding_bound(table)
    k = support.size + 2
    gamma = k * 2.0**-53 / (1 - k * 2.0**-53)
    errors = np.abs(z) @ rho + gamma * (np.abs(values) @ np.abs(z) + abs(float(solution.intercept)))
    errors = errors * (1 + 1e-6) + np.abs(fitted) * 2.0**-52
    y, weights, beta = _exact_inputs(solution)
    residual = [t - Fraction(float(f)) for t, f in zip(y, fitted)]
    l1 = sum((exact(v) for v in np.abs(np.asarray(solution.z)[support])), Fraction(0))
    objective = primal_value(residual, l1, beta, weights)
    w = weights or [Fraction(1)] * len(y)
    slack = sum(
        (
            wi * (abs(r) * Fraction(float(e)) + Fraction(float(e)) ** 2 / 2)
            for wi, r, e in zip(w, residual, errors)
        ),
        Fraction(0),
    )
    return objective, objective + slack


def _decide(
    objective: Fraction, lower: Fraction, upper: Fraction, tolerance: float
) -> tuple[str, Fraction]:
    allowed = Fraction(tolerance) * abs(objective)
    epsilon = objective - lower
    if epsilon <= allowed:
        return "optimal", epsilon
    if objective - upper > allowed:
        return "not optimal", epsilon
    return "undecided", epsilon


def _complete_family(arch, data) -> bool:
    from clifflasso.dictionary import family_for

    try:
        return family_for(arch, data).complete
    except ValueError:
        return False


def _intercept_direction(solution, y, weights, tolerance: float):
    r"""Without an output bias a unit whose kink lies far outside the data acts as a free
    constant: a far first-layer bias, or (depth >= 3) a large hidden bias :math:`b`, which
    makes the unit :math:`g(x) + b` on the data, so :math:`z(g + b)` with :math:`z \to 0`,
    :math:`zb` fixed, is a constant at vanishing penalty. Along that direction the objective
    drops by :math:`\delta = (\sum_n \mu_n)^2 / (2\sum_n w_n)`. Returns ``(refutation,
    slack)``: a ``not optimal`` certificate when :math:`\delta` exceeds ``1e-3 * tolerance``
    times the objective, else None and :math:`\delta` (rounding noise of a float residual),
    which the other certificates then subtract from their lower bound."""
    D = solution.dictionary
    arch = D.arch
    if arch.output_bias or arch.is_switching or not (arch.bias or arch.depth >= 3):
        return None, Fraction(0)
    fitted = [exact(v) for v in solution.fitted]
    w = weights or [Fraction(1)] * len(y)
    mu = [wi * (t - f) for wi, t, f in zip(w, y, fitted)]
    total = sum(mu, Fraction(0))
    if total == 0:
        return None, Fraction(0)
    objective = exact(solution.objective)
    decrease = total * total / (2 * sum(w, Fraction(0)))
    if decrease <= exact(1e-3 * tolerance) * objective:
        return None, decrease
    violator = Violator(
        {"breakpoint": "-> infinity"},
        np.ones(len(y)),
        float("inf"),
        "far-away breakpoint (a free intercept)",
    )
    return Certificate(
        verdict="not optimal",
        kind="exact",
        objective=float(objective),
        lower_bound=float("-inf"),
        epsilon=float("inf"),
        sup=float("inf"),
        beta=float(solution.beta),
        tolerance=0.0,
        method="intercept direction",
        violator=violator,
        improved_objective=float(objective - decrease / 2),
        notes=(
            "without an output bias, a unit whose breakpoint lies far outside the data acts as "
            "an intercept at vanishing cost: the supremum is infinite and the objective drops "
            f"by up to {float(decrease):.6g}",
        ),
    ), decrease


def _with_slack(certificate: Certificate, slack: Fraction, tolerance: float) -> Certificate:
    """``certificate`` with the free-constant direction's possible decrease ``slack``
    subtracted from its lower bound (and added to its epsilon): ``optimal`` only if still
    within ``tolerance``."""
    if slack == 0 or certificate.kind == "sampled":
        return certificate
    lower = certificate.lower_bound
    if math.isfinite(lower):
        lower = float(exact(lower) - slack)
    epsilon = certificate.epsilon + float(slack) * (1 + 1e-12)
    verdict = certificate.verdict
    if verdict == "optimal" and epsilon > tolerance * max(abs(certificate.objective), 1e-300):
        verdict = "undecided"
    note = (
        f"the free constant of a far-away unit may lower the objective by {float(slack):.3g} "
        "(the residual sums to rounding noise): subtracted from the lower bound"
    )
    return replace(
        certificate,
        verdict=verdict,
        lower_bound=lower,
        epsilon=epsilon,
        notes=(*certificate.notes, note),
    )


def _vertex(solution, tolerance, exact_budget, memory_limit, progress) -> Certificate:
    D = solution.dictionary
    outcome = vertex_certificate(
        solution,
        exact_budget=exact_budget,
        memory_limit=memory_limit,
        screen_hint=solution.info.get("screen") if hasattr(solution, "info") else None,
        progress=progress,
    )
    verdict, epsilon = _decide(
        outcome.objective, outcome.lower_bound, outcome.upper_bound, tolerance
    )
    violator = None
    if outcome.violator is not None and verdict != "optimal":
        column, correlation = outcome.violator
        one = np.array([column])
        single = outcome.table.take(one)
        record = outcome.family.feature(single, 0)
        values = outcome.family.evaluate(single, D.X)[:, 0]
        violator = Violator(
            record.parameters,
            values,
            float(correlation),
            f"{record.family} / {record.kind} on data {record.indices}",
        )
    where = "1-D event arrangement" if D.data.dim == 1 else "polyhedral l1 norm"
    return Certificate(
        verdict=verdict,
        kind=outcome.kind,
        objective=float(outcome.objective),
        lower_bound=float(outcome.lower_bound),
        epsilon=float(epsilon),
        sup=outcome.sup,
        beta=float(solution.beta),
        tolerance=tolerance,
        method=f"vertex enumeration ({where})",
        violator=violator,
        optimum=outcome.optimum,
        improved_objective=(
            float(outcome.upper_bound) if outcome.upper_bound < outcome.objective else None
        ),
        notes=tuple(outcome.notes),
    )


def _chambers(solution, tolerance, lifted=None) -> Certificate:
    """Chamber certificate: two-layer units, or depth-3 units over the merged cones ``lifted``
    of :func:`~clifflasso.proofs.lifted.lifted_patterns`."""
    D = solution.dictionary
    y, weights, beta = _exact_inputs(solution)
    objective, upper_objective = _float_objective_bound(solution)
    fitted = [exact(float(v)) for v in solution.fitted]
    w = weights or [Fraction(1)] * len(y)
    residual = [t - f for t, f in zip(y, fitted)]
    if D.arch.output_bias or D.arch.bias or D.arch.depth >= 3:
        # with an output bias, or a far-away unit acting as one at vanishing cost
        # (_intercept_direction: the same infimum), a dual point sums to zero; otherwise the
        # cells that hold such units are unbounded
        shift = sum((wi * r for wi, r in zip(w, residual)), Fraction(0)) / sum(w, Fraction(0))
        residual = [r - shift for r in residual]
    mu = [wi * r for wi, r in zip(w, residual)]
    if lifted is None:
        outcome = chamber_bound(solution, mu)
    else:
        outcome = lifted_chamber_bound(solution, mu, lifted)
    if outcome.unbounded:
        sup, scale = float("inf"), Fraction(0)
    else:
        sup = rational_upper(math.sqrt(float(outcome.sup_squared)))
        scale = Fraction(1) if outcome.sup_squared <= beta * beta else beta / sup
    lower = dual_value([m * scale for m in mu], y, weights)
    # the step is taken on the candidate's own residual (not centred without an output bias)
    raw = mu if D.arch.output_bias else [wi * (t - f) for wi, t, f in zip(w, y, fitted)]
    decrease = violation_decrease(outcome, raw, beta, weights, D.arch.output_bias)
    # not optimal only when the exhibited step itself exceeds the tolerance (the rounding
    # slack of the candidate's own objective is no evidence of a better network)
    verdict, epsilon = _decide(upper_objective, lower, upper_objective - decrease, tolerance)
    violator = None
    notes = list(outcome.notes)
    dictionary = "wedge" if lifted is None else "depth-3"
    notes.append(f"Euclidean first-layer norm in d >= 2: the {dictionary} Lasso is an upper bound")
    if outcome.unit is not None and outcome.proves_violation(beta):
        unit = np.array([float(v) for v in outcome.unit])
        d = D.data.dim
        norm = float(np.linalg.norm(unit[:d]))
        if lifted is None:
            theta = np.concatenate([unit[:d], [unit[d] if D.arch.bias else 0.0]]) / norm
            parameters = {"weights": tuple(theta[:d]), "bias": float(theta[d])}
            values = chain_values(D.arch, D.X, theta)
        else:
            parameters = lifted_parameters(outcome, d, D.arch.bias, D.arch.activation)
            values = np.array([float(v) for v in outcome.unit_values]) / norm
        violator = Violator(
            parameters,
            values,
            float(np.array([float(m) for m in mu]) @ values),
            f"{'neuron' if lifted is None else 'unit'} off the {dictionary} dictionary",
        )
    return Certificate(
        verdict=verdict,
        kind="bounded",
        objective=float(objective),
        lower_bound=float(lower),
        epsilon=float(epsilon),
        sup=float(sup),
        beta=float(beta),
        tolerance=tolerance,
        method=(
            f"activation chambers ({outcome.chambers} patterns, one SOCP each, exact dual bounds)"
            if lifted is None
            else f"lifted chambers ({outcome.chambers} cones of (w, a, r), one SOCP each, exact "
            "dual bounds)"
        ),
        violator=violator,
        improved_objective=float(objective - decrease) if decrease > 0 else None,
        notes=tuple(notes),
    )


def _sampled(solution, tolerance, samples, seed, reason: str) -> Certificate:
    D = solution.dictionary
    mu = np.asarray(solution.y, dtype=np.float64) - np.asarray(solution.fitted, dtype=float)
    weights = getattr(solution, "weights", None)
    if weights is not None:
        mu = mu * weights
    if D.arch.output_bias:
        mu = mu - mu.mean()
    sup, theta = sampled_sup(D.arch, D.X, mu, samples, seed)
    beta = float(solution.beta)
    violator = None
    found = sup > beta * (1 + tolerance)
    if found:
        values = chain_values(D.arch, D.X, theta)
        violator = Violator({"theta": tuple(theta)}, values, float(mu @ values), "sampled unit")
    return Certificate(
        verdict="violator found" if found else "no violator found",
        kind="sampled",
        objective=float(solution.objective),
        lower_bound=float("nan"),
        epsilon=float("nan"),
        sup=float(sup),
        beta=beta,
        tolerance=tolerance,
        method=f"sampling ({samples} units) + Nelder-Mead refinement",
        violator=violator,
        notes=(reason, "sampling is evidence: this is not a proof"),
    )


def _interpolation(solution, tolerance, memory_limit, progress) -> Certificate:
    r"""beta = 0 (:mod:`clifflasso.proofs.duality`): the candidate's loss against the best loss
    any network reaches (each group of repeated inputs fitted by its weighted mean, exactly),
    relative to :math:`\tfrac12\sum\omega(y - \bar y)^2`, and its coefficient norm against the
    LP dual bound of :mod:`clifflasso.lasso.interpolation`, relative to the norm."""
    from clifflasso.lasso.correlations import block_size_for
    from clifflasso.lasso.interpolation import min_l1_fit
    from clifflasso.lasso.problem import LassoProblem
    from clifflasso.lasso.screening import screen

    D = solution.dictionary
    y, weights, _ = _exact_inputs(solution)
    w = weights or [Fraction(1)] * len(y)
    fitted = [exact(v) for v in solution.fitted]
    loss = primal_value([t - f for t, f in zip(y, fitted)], Fraction(0), Fraction(0), weights)
    groups: dict[tuple, list[int]] = {}
    for n, row in enumerate(D.data.exact):
        groups.setdefault(tuple(row), []).append(n)
    best = [Fraction(0)] * len(y)
    for members in groups.values():
        mean = sum((w[n] * y[n] for n in members), Fraction(0)) / sum(
            (w[n] for n in members), Fraction(0)
        )
        for n in members:
            best[n] = mean
    best_loss = primal_value([t - b for t, b in zip(y, best)], Fraction(0), Fraction(0), weights)
    centre = sum((wi * t for wi, t in zip(w, y)), Fraction(0)) / sum(w, Fraction(0))
    spread = primal_value([t - centre for t in y], Fraction(0), Fraction(0), weights)
    loss_gap = loss - best_loss
    norm = sum((abs(exact(v)) for v in solution.z), Fraction(0))
    notes = [
        "beta = 0: the statement is about the minimum-norm least-squares fit (objective = "
        "||z||_1 among networks of least loss; lower bound from the LP dual)"
    ]
    if loss_gap > Fraction(tolerance) * spread:
        notes.append(
            f"the loss is {float(loss_gap):.3g} above the best achievable one (the group means "
            "of repeated inputs)"
        )
        return Certificate(
            verdict="not optimal",
            kind="exact",
            objective=float(norm),
            lower_bound=float("nan"),
            epsilon=float("inf"),
            sup=float("nan"),
            beta=0.0,
            tolerance=tolerance,
            method="best achievable loss",
            notes=tuple(notes),
        )
    if not _complete_family(D.arch, D.data):
        return _sampled(solution, tolerance, 2000, 0, "no complete family for beta = 0 here")
    problem = LassoProblem(
        D.matrix,
        np.asarray([float(v) for v in solution.y]),
        intercept=D.arch.output_bias,
        weights=getattr(solution, "weights", None),
    )
    _, multipliers = min_l1_fit(problem.matrix, problem.target)
    mu = [exact(v) for v in multipliers]
    if D.arch.output_bias:
        shift = sum(mu, Fraction(0)) / len(mu)
        mu = [m - shift for m in mu]
    family = D.family.complete_family()
    table = family.streaming_table()
    block = block_size_for(len(y), memory_limit, has_prefix_path(family))
    scr = screen(
        family, table, np.array([float(m) for m in mu]), 1.0, block_size=block, progress=progress
    )
    bound = rational_upper(scr.upper() * (1 + 1e-12))
    lower = sum((m * f for m, f in zip(mu, best)), Fraction(0)) / max(Fraction(1), bound)
    epsilon = norm - lower
    verdict = "optimal" if epsilon <= Fraction(tolerance) * norm else "undecided"
    return Certificate(
        verdict=verdict,
        kind="bounded",
        objective=float(norm),
        lower_bound=float(lower),
        epsilon=float(epsilon),
        sup=float(bound),
        beta=0.0,
        tolerance=tolerance,
        method="minimum-norm interpolation dual + screened supremum",
        notes=tuple(notes),
    )


def certify(
    solution,
    *,
    tolerance: float = 1e-9,
    exact_budget: int = DEFAULT_EXACT_BUDGET,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    samples: int = 20_000,
    seed: int = 0,
    memory_limit: int = 2**30,
    progress: bool = False,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> Certificate:
    r"""Certify (or refute) that a Lasso solution is the globally optimal network.

    Works on float solutions (:func:`clifflasso.solve`, :func:`clifflasso.fit`) and exact ones
    (``exact=True``). Returns a :class:`Certificate` (module docstring): ``optimal`` when the
    candidate's objective is proven within ``tolerance`` (relative) of the training optimum.
    ``exact_budget`` caps the entries evaluated in exact arithmetic (beyond it the certificate
    is ``bounded``); families whose complete enumeration would exceed ``max_entries`` entries
    or ``memory_limit`` bytes are sampled instead (not a proof). A solution returned by
    :func:`clifflasso.fit` carries its last streamed pass, which is reused when it settles
    every column. ``max_cells`` caps the cones a lifted-chamber certificate (Euclidean depth 3 in
    d >= 2) solves; above it, or when the arrangement is too large to enumerate, the certificate
    samples and says why in one line.
    """
    if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
        raise ValueError(f"max_cells must be a positive integer, got {max_cells!r}")
    y, weights, beta = _exact_inputs(solution)
    if beta == 0:
        return _interpolation(solution, tolerance, memory_limit, progress)
    refuted, slack = _intercept_direction(solution, y, weights, tolerance)
    if refuted is not None:
        return refuted
    return _with_slack(
        _routed(
            solution,
            tolerance,
            exact_budget,
            max_entries,
            samples,
            seed,
            memory_limit,
            progress,
            max_cells,
        ),
        slack,
        tolerance,
    )


def _routed(
    solution, tolerance, exact_budget, max_entries, samples, seed, memory_limit, progress, max_cells
):
    """The certificate method for the architecture (exact enumeration, chambers or sampling)."""
    D = solution.dictionary
    arch, data = D.arch, D.data
    if _complete_family(arch, data):
        from clifflasso.dictionary import family_for

        family = family_for(arch, data).complete_family()
        # a structured pass costs O(N) per row of N columns; the prefix path 8 per column
        if family.structured_rows():
            per_column = 1
        else:
            per_column = 8 if has_prefix_path(family) else data.n_samples
        size = family.size()
        hint = solution.info.get("screen") if hasattr(solution, "info") else None
        if per_column * size > max_entries and hint is None:
            reason = (
                f"the complete family has {size:,} columns ({per_column * size:,} entries "
                f"> max_entries={max_entries:,})"
            )
            return _sampled(solution, tolerance, samples, seed, reason)
        if not family.lazy and _TABLE_BYTES_PER_COLUMN * size > memory_limit:
            reason = (
                f"the complete family has {size:,} columns, about "
                f"{_TABLE_BYTES_PER_COLUMN * size / 2**30:.2f} GiB of parameters, above "
                f"memory_limit={memory_limit / 2**30:.2f} GiB"
            )
            return _sampled(solution, tolerance, samples, seed, reason)
        return _vertex(solution, tolerance, exact_budget, memory_limit, progress)
    if arch.depth == 2 and arch.activation in ("relu", "abs") and arch.norm == 2:
        return _chambers(solution, tolerance)
    if (arch.activation, arch.depth) in LIFTED and arch.norm == 2 and data.dim >= 2:
        try:
            cones = lifted_patterns(arch, data.exact, max_cells)
        except CellLimitError as exc:
            return _sampled(solution, tolerance, samples, seed, str(exc))
        return _chambers(solution, tolerance, cones)
    return _sampled(
        solution,
        tolerance,
        samples,
        seed,
        f"no exact method for {arch.activation} depth {arch.depth} with norm={arch.norm} in "
        f"d={data.dim}",
    )
