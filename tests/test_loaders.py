"""Loading is checking: ``export.from_json`` recomputes what a stored solution states (objective,
l1 norm, optimal intercept, beta_max) from its data and coefficients and refuses a mismatch,
refuses a negative or non-numeric beta, bounds the size of every number before parsing it and
never evaluates content; ``export.load_npz`` never unpickles, bounds the unpacked size and
checks every array. Errors are one-line ``ValueError`` messages naming the field."""

from __future__ import annotations

import copy
import io
import json
import time
import zipfile
from fractions import Fraction

import numpy as np
import pytest

import clifflasso as cl
from clifflasso import export
from clifflasso.examples import load_example


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    """JSON documents of an exact and a float solution (abs depth 3 on 'mirrors')."""
    x, y = load_example("mirrors")
    D = cl.dictionary(x, cl.Architecture("abs", 3))
    exact = cl.solve(D, y, Fraction(1, 5), exact=True)
    numeric = cl.solve(D, [float(v) for v in y], 0.2)
    return {
        "exact": json.loads(export.to_json(exact)),
        "float": json.loads(export.to_json(numeric)),
    }


def load(document: dict):
    return export.from_json(json.dumps(document))


def refit(document: dict) -> dict:
    """Recompute the data fingerprint (it is a checksum, not a signature: anyone can)."""
    data = document["data"]
    if "X" in data and "y" in data:
        data["fingerprint"] = export._fingerprint(document["architecture"], data["X"], data["y"])
    return document


def changed(document: dict, change) -> dict:
    document = copy.deepcopy(document)
    change(document)
    return document


def _scale_z(factor: Fraction):
    def change(document):
        feature = document["features"][0]
        feature["z"] = str(Fraction(feature["z"]) * factor)

    return change


def _set(name: str, value):
    def change(document):
        document[name] = value

    return change


def _add(name: str, amount: Fraction):
    def change(document):
        document[name] = str(Fraction(document[name]) + amount)

    return change


def _z_consistent_with_l1(document):
    """Swap the signs of z and keep the stored l1 norm right: caught by the intercept or the
    objective."""
    for feature in document["features"]:
        feature["z"] = str(-Fraction(feature["z"]))


TAMPERING = [
    ("z-doubled", _scale_z(Fraction(2)), "l1_norm"),
    ("z-signs-flipped", _z_consistent_with_l1, "intercept"),
    ("intercept", _add("intercept", Fraction(1, 1000)), "intercept"),
    ("beta", _set("beta", "1/4"), "objective"),
    ("beta-negative", _set("beta", "-1"), "'beta': must be >= 0"),
    ("beta-text", _set("beta", "one fifth"), "'beta': not a number"),
    ("beta-json-number", _set("beta", 0.2), "'beta': expected a number as a string"),
    ("beta-nan", _set("beta", "nan"), "'beta': NaN"),
    ("beta-division-by-zero", _set("beta", "1/0"), "'beta': division by zero"),
    ("objective", _add("objective", Fraction(1, 10**4)), "objective"),
    ("l1_norm", _add("l1_norm", Fraction(1, 10**4)), "l1_norm"),
    ("beta_max", _add("beta_max", Fraction(1)), "beta_max"),
    ("beta_max-negative", _set("beta_max", "-3"), "'beta_max': must be >= 0"),
]


@pytest.mark.parametrize("kind", ["exact", "float"])
@pytest.mark.parametrize(("name", "change", "field"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampered_solutions_are_refused_naming_the_field(documents, kind, name, change, field):
    document = changed(documents[kind], change)
    with pytest.raises(ValueError) as info:
        load(document)
    message = str(info.value)
    assert field in message and "\n" not in message, message


@pytest.mark.parametrize("kind", ["exact", "float"])
def test_untampered_documents_still_load(documents, kind):
    solution = load(documents[kind])
    assert Fraction(solution.objective) == Fraction(documents[kind]["objective"]) or (
        kind == "float"
        and solution.objective == pytest.approx(float(Fraction(documents[kind]["objective"])))
    )


def test_a_negative_beta_no_longer_gives_a_negative_objective(documents):
    """Before: ``"beta": "-1"`` loaded, with objective -0.995."""
    document = changed(documents["exact"], _set("beta", "-1"))
    document["objective"] = str(
        Fraction(document["objective"])
        - Fraction(6, 5) * Fraction(document["l1_norm"])  # consistent with beta = -1
    )
    with pytest.raises(ValueError, match="'beta': must be >= 0"):
        load(document)


HOSTILE_NUMBERS = [
    ("huge-exponent", "1e50000000"),
    ("tiny-exponent", "-1e-50000000"),
    ("ten-million-digit-numerator", "9" * 10_000_000 + "/7"),
    ("long-denominator", "1/" + "3" * 20_000),
]


@pytest.mark.parametrize(
    "text", [t for _, t in HOSTILE_NUMBERS], ids=[n for n, _ in HOSTILE_NUMBERS]
)
def test_numbers_are_size_bounded_before_parsing(documents, text):
    for where in ("z", "intercept", "X"):
        document = copy.deepcopy(documents["exact"])
        if where == "z":
            document["features"][0]["z"] = text
            field = "features[0].z"
        elif where == "intercept":
            document["intercept"] = text
            field = "intercept"
        else:
            document["data"]["X"][1][0] = text
            refit(document)
            field = "data.X[1][0]"
        serialised = json.dumps(document)
        started = time.perf_counter()
        with pytest.raises(ValueError) as info:
            export.from_json(serialised)
        assert time.perf_counter() - started < 3.0, where
        assert field in str(info.value), str(info.value)[:300]


def test_data_beyond_the_float64_range_is_refused(documents):
    document = copy.deepcopy(documents["exact"])
    document["data"]["y"][2] = "1e400"
    refit(document)
    with pytest.raises(ValueError, match=r"'data.y\[2\]'.*overflows float64"):
        load(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("beta"), "missing field 'beta'"),
        (lambda d: d["data"].pop("X"), "missing field 'data.X'"),
        (lambda d: d["features"][0].update(column=10**6), "'features[0].column'"),
        (lambda d: d["features"][0].update(column=-1), "'features[0].column'"),
        (lambda d: d["features"][0].update(column="0"), "expected an integer"),
        (lambda d: d["features"].append(dict(d["features"][0])), "appears twice"),
        (lambda d: d["architecture"].update(bias="no"), "'architecture.bias'"),
        (lambda d: d["architecture"].update(depth=2.5), "'architecture.depth'"),
        (lambda d: d["architecture"].update(depth=50), "abs depth 50"),
        (lambda d: d["architecture"].update(evil=1), "unknown keys"),
        (lambda d: d["dictionary"].update(seed=-1), "'dictionary.seed'"),
        (lambda d: d.update(exact="yes"), "'exact'"),
        (lambda d: d["data"].update(n_samples=7), "data.n_samples"),
    ],
    ids=[
        "no-beta", "no-X", "column-out-of-range", "negative-column", "column-as-text",
        "duplicate-column", "bias-text", "depth-float", "depth-50", "unknown-key",
        "negative-seed", "exact-text", "sample-count",
    ],
)  # fmt: skip
def test_malformed_documents_are_refused_naming_the_field(documents, change, message):
    document = copy.deepcopy(documents["exact"])
    change(document)
    refit(document)
    started = time.perf_counter()
    with pytest.raises(ValueError) as info:
        load(document)
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    "text",
    [
        '{"schema": "clifflasso.solution/1", "beta": NaN}',
        '{"schema": "clifflasso.solution/1", "beta": Infinity}',
        "[1, 2, 3]",
        '{"schema": "clifflasso.solution/1", ',
        "[" * 100_000 + "]" * 100_000,
        "",
    ],
    ids=["nan", "infinity", "list", "truncated", "deep", "empty"],
)
def test_text_that_is_not_a_solution_is_refused(text):
    with pytest.raises(ValueError) as info:
        export.from_json(text)
    assert "\n" not in str(info.value)


def test_from_json_never_evaluates_content(documents, tmp_path):
    marker = tmp_path / "evaluated"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    for place in ("beta", "intercept", "objective"):
        document = changed(documents["exact"], _set(place, payload))
        with pytest.raises(ValueError, match=f"'{place}': not a number"):
            load(document)
    assert not marker.exists()


# ----------------------------------------------------------------------------- npz
@pytest.fixture(scope="module")
def networks(tmp_path_factory) -> dict[str, dict]:
    x, y = load_example("mirrors")
    arrays = {}
    for name, arch in {
        "chain": cl.Architecture("relu", 3),
        "switching": cl.Architecture("sign", 4, kind="tree", widths=(2, 2)),
    }.items():
        solution = cl.solve(cl.dictionary(x, arch), [float(v) for v in y], 0.2)
        buffer = io.BytesIO()
        export.to_npz(solution, buffer)
        buffer.seek(0)
        with np.load(buffer) as archive:
            arrays[name] = {key: archive[key] for key in archive.files}
    return arrays


def npz_bytes(arrays: dict) -> io.BytesIO:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("kind", ["chain", "switching"])
def test_npz_round_trip_still_works(networks, kind):
    network = export.load_npz(npz_bytes(networks[kind]))
    assert (
        type(network).__name__ == {"chain": "ChainNetwork", "switching": "SwitchingNetwork"}[kind]
    )


def _edit(name: str, value):
    def change(arrays):
        arrays[name] = value

    return change


NPZ_DEFECTS = [
    ("chain", lambda a: a["first_weights"].__setitem__((0, 0), np.nan), "'first_weights'"),
    ("chain", lambda a: a["output_weights"].__setitem__(0, np.inf), "'output_weights'"),
    ("chain", lambda a: a.pop("output_bias"), "missing array 'output_bias'"),
    ("chain", _edit("activation", np.array("tanh")), "'activation'"),
    ("chain", _edit("depth", np.array(1)), "'depth'"),
    ("chain", _edit("depth", np.array(3.5)), "'depth'"),
    ("chain", _edit("norm", np.array(3)), "'norm'"),
    ("chain", _edit("hidden_weights", np.zeros((1, 7))), "'hidden_weights'"),
    ("chain", _edit("first_biases", np.array(["a"])), "'first_biases'"),
    ("chain", _edit("type", np.array("rnn")), "'type'"),
    ("switching", _edit("unit0_W0", np.zeros((2, 5))), "'unit0_W0'"),
    ("switching", lambda a: a.pop("unit0_b1"), "missing array 'unit0_b1'"),
    ("switching", _edit("kind", np.array("ring")), "'kind'"),
    ("switching", _edit("widths", np.array([0])), "'widths'"),
]


@pytest.mark.parametrize(
    ("kind", "change", "message"), NPZ_DEFECTS, ids=[f"{k}-{m}" for k, _, m in NPZ_DEFECTS]
)
def test_npz_defects_are_refused_naming_the_array(networks, kind, change, message):
    arrays = {key: np.array(value, copy=True) for key, value in networks[kind].items()}
    change(arrays)
    with pytest.raises(ValueError) as info:
        export.load_npz(npz_bytes(arrays))
    assert message in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_npz_never_unpickles_and_bounds_the_unpacked_size(networks, monkeypatch, tmp_path):
    arrays = dict(networks["chain"], first_weights=np.array([[object()]], dtype=object))
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=True, **arrays)
    buffer.seek(0)
    with pytest.raises(ValueError, match="allow_pickle|pickle"):
        export.load_npz(buffer)
    monkeypatch.setattr(export, "MAX_NPZ_BYTES", 100)
    with pytest.raises(ValueError, match="bytes unpacked, more than the limit of 100"):
        export.load_npz(npz_bytes(networks["chain"]))
    monkeypatch.undo()
    single = tmp_path / "array.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match="not an .npz archive"):
        export.load_npz(single)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="npz"):
        export.load_npz(garbage)
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("type.npy", b"\x93NUMPY garbage header")
    broken.seek(0)
    with pytest.raises(ValueError):
        export.load_npz(broken)
