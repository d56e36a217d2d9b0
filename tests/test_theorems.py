"""The theorem registry and `clifflasso verify`."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from clifflasso.cli import main
from clifflasso.proofs import REGISTRY, Theorem, run, theorems
from clifflasso.proofs.theorems import Evidence, Instance

REQUIRED = [
    "two_layer_1d_relu",
    "two_layer_1d_leaky_relu",
    "two_layer_1d_abs",
    "two_layer_1d_threshold",
    "two_layer_1d_sign",
    "relu_chains_1d_L3",
    "relu_chains_1d_L4",
    "relu_depth4_equals_depth3",
    "abs_depth3_needs_midpoints",
    "abs_multilevel_L4",
    "abs_multilevel_L5",
    "step_tv_threshold",
    "step_tv_sign",
    "beta_max",
    "two_point_closed_forms",
    "rebuild_identity",
    "weights_orthogonal_to_mirrors",
    "abs_l1_equivalence_2d_L2",
    "abs_l1_equivalence_2d_L3",
    "relu_wedge_upper_bound_2d",
    "relu_wedge_strict_gap",
    "relu_weights_are_wedges",
    "quadratic_sdp_equals_training",
    "gaussian_critical_points",
    "abs_l1_equivalence_2d_L4",
    "relu_l1_equivalence_2d_L3",
    "abs_euclidean_chambers_2d_L3",
    "relu_wedge_upper_bound_2d_L3",
]


def test_registry_has_the_required_theorems_with_statements_and_sources():
    for name in REQUIRED:
        theorem = REGISTRY[name]
        assert theorem.statement and theorem.source and theorem.hypotheses
    bounds = [t for t in REGISTRY.values() if t.name.startswith("relu_wedge")]
    assert {t.kind for t in bounds} == {"bound", "counterexample"}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_theorem_passes_on_seeded_instances(name):
    (report,) = run([name], quick=True, seed=1)
    assert report.passed, report.failures


def test_a_false_equality_is_reported_as_failed(monkeypatch):
    def wrong(instance):
        return Evidence(False, 1.0, "deliberately false")

    fake = Theorem("fake", "0 = 1", "none", "test", "equality", wrong)
    monkeypatch.setitem(REGISTRY, "fake", fake)
    result = CliRunner().invoke(main, ["verify", "--quick", "--theorem", "fake"])
    assert result.exit_code == 1
    assert "FAIL  fake" in result.output and "0 passed, 1 failed" in result.output


def test_verify_quick_runs_and_lists(tmp_path):
    data = tmp_path / "xy.csv"
    rng = np.random.default_rng(0)
    np.savetxt(data, np.column_stack([rng.normal(size=5), rng.normal(size=5)]), delimiter=",")
    result = CliRunner().invoke(
        main, ["verify", "--quick", "--theorem", "abs_depth3_1d", "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    assert "PASS  abs_depth3_1d" in result.output and "instances=4" in result.output
    listing = CliRunner().invoke(main, ["verify", "--list"])
    assert "relu_wedge_strict_gap" in listing.output


def test_unknown_theorem_is_a_usage_error():
    result = CliRunner().invoke(main, ["verify", "--theorem", "nope"])
    assert result.exit_code != 0 and "unknown theorem" in result.output


def _instance(dim: int, size: int, label: str) -> Instance:
    rng = np.random.default_rng(7)
    return Instance(rng.uniform(-3, 3, size=(size, dim)), rng.normal(size=size), 0.2, label)


def test_a_perturbed_hessian_signature_fails_the_critical_point_check(monkeypatch):
    import clifflasso.polynomial as polynomial

    check = REGISTRY["gaussian_critical_points"].check
    instance = _instance(1, 2, "perturbed signature")
    assert check(instance).passed
    listed = polynomial.gaussian_critical_points

    def perturbed(T, width):
        points = listed(T, width)
        positive, negative, zero = points[-1].signature
        wrong = (positive, negative + 1, zero - 1)
        return [*points[:-1], dataclasses.replace(points[-1], signature=wrong)]

    monkeypatch.setattr(polynomial, "gaussian_critical_points", perturbed)
    evidence = check(instance)
    assert not evidence.passed and "listed" in evidence.details


def test_a_wrong_wedge_fails_the_wedge_weight_check(monkeypatch):
    check = REGISTRY["relu_weights_are_wedges"].check
    instance = _instance(2, 5, "wrong wedge")
    assert check(instance).passed
    spanning = theorems._spanning_vectors

    def shifted(X, spanned_by):
        first, *rest = spanning(X, spanned_by)
        return [(first[0] + Fraction(1, 7), *first[1:]), *rest]

    monkeypatch.setattr(theorems, "_spanning_vectors", shifted)
    evidence = check(instance)
    assert not evidence.passed and evidence.gap > 1e-3


def test_training_below_the_sdp_fails_the_quadratic_check(monkeypatch):
    import clifflasso.polynomial as polynomial

    check = REGISTRY["quadratic_sdp_equals_training"].check
    instance = _instance(2, 5, "training below the SDP")
    assert check(instance).passed
    trained = polynomial.train_polynomial

    def too_good(*args, **kwargs):
        result = trained(*args, **kwargs)
        return dataclasses.replace(result, history=(*result.history, result.objective - 0.01))

    monkeypatch.setattr(polynomial, "train_polynomial", too_good)
    evidence = check(instance)
    assert not evidence.passed and evidence.gap > 1e-3


def test_a_violator_from_the_dictionary_fails_the_euclidean_chamber_check(monkeypatch):
    """A column already in the dictionary cannot beat beta at the Lasso optimum: reported as the
    violator, the check must reject it."""
    check = REGISTRY["abs_euclidean_chambers_2d_L3"].check
    instance = _instance(2, 4, "dictionary violator")
    assert check(instance).passed
    real = theorems.certify

    def dictionary_violator(solution):
        certificate = real(solution)
        j = int(solution.support[0])
        p = solution.dictionary.table.params
        w, a = p["w1"][j], -float(p["b1"][j])
        r = -float(p["b"][j, 0]) / float(p["w"][j, 0])
        fake = dataclasses.replace(
            certificate.violator, parameters={"weights": tuple(w), "a": a, "r": r}
        )
        return dataclasses.replace(certificate, violator=fake)

    monkeypatch.setattr(theorems, "certify", dictionary_violator)
    evidence = check(instance)
    assert not evidence.passed


def test_an_optimal_verdict_above_a_trained_network_fails_the_deep_relu_bound(monkeypatch):
    check = REGISTRY["relu_wedge_upper_bound_2d_L3"].check
    instance = _instance(2, 4, "optimal above training")
    evidence = check(instance)
    assert evidence.passed and evidence.witness, evidence.details
    real = theorems.certify

    def claims_optimal(solution, **options):
        return dataclasses.replace(real(solution, **options), verdict="optimal")

    monkeypatch.setattr(theorems, "certify", claims_optimal)
    assert not check(instance).passed
