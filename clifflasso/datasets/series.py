r"""Two classic yearly time series, shipped as small CSV files and loaded offline.

* **Sunspots** (``sunspots.csv``): the yearly sunspot number, 1700-2008 (309 values), from
  the National Geophysical Data Center (NOAA); columns ``YEAR``, ``SUNACTIVITY``.
* **Nile** (``nile.csv``): the annual flow of the Nile at Aswan, 1871-1970 (100 values), in
  :math:`10^8\,\mathrm{m}^3`, first analysed by Cobb (Biometrika 65(2), 1978) for its change
  point near 1898; columns ``year``, ``volume``.

Both files are byte-for-byte copies of the files that the ``statsmodels`` wheel (0.15.0)
ships in its ``datasets`` package; statsmodels documents both data sets as public domain.
The provenance JSON (``series.json``) records, for each file, its title, original source,
years, units, copyright note and SHA-256, and the wheel it came from. Every load checks the
file's SHA-256 against that record before parsing it, so a modified file is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from clifflasso._data import read_column

PROVENANCE_FILE = "series.json"
#: Names of the shipped series (keys of the provenance JSON's ``series``).
SERIES = ("sunspots", "nile")


@dataclass(frozen=True)
class YearlySeries:
    r"""A yearly series :math:`y_t` with its years, column name, units and provenance.

    ``values[k]`` is the observation of year ``years[k]`` (float64; consecutive years, no
    missing values in the shipped files)."""

    name: str
    years: np.ndarray
    values: np.ndarray
    column: str
    units: str
    provenance: dict[str, Any]

    def __len__(self) -> int:
        return self.values.shape[0]


def file_sha256(data: bytes) -> str:
    """Hex SHA-256 of the raw bytes of a file."""
    return hashlib.sha256(data).hexdigest()


def provenance() -> dict[str, Any]:
    """The shipped provenance record (``series.json``)."""
    text = resources.files(__package__).joinpath(PROVENANCE_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def shipped_series(
    name: str, *, folder: str | Path | None = None, verify: bool = True
) -> YearlySeries:
    """Load the shipped series ``name`` (one of :data:`SERIES`).

    ``folder`` reads the CSV file from another directory (default: the package's own files);
    the checksum is always the one of the shipped provenance record, so a copy that differs
    from the shipped file by one byte is refused (``ValueError``) unless ``verify=False``.
    """
    if name not in SERIES:
        raise ValueError(f"unknown series {name!r}; shipped: {', '.join(SERIES)}")
    record = provenance()
    entry = record["series"][name]
    source = resources.files(__package__) if folder is None else Path(folder)
    target = source.joinpath(entry["file"])
    data = target.read_bytes()
    digest = file_sha256(data)
    if verify and digest != entry["sha256"]:
        raise ValueError(
            f"{entry['file']} does not match the SHA-256 recorded in {PROVENANCE_FILE} "
            f"(got {digest[:16]}..., expected {entry['sha256'][:16]}...): the file was modified"
        )
    if isinstance(target, Path):
        _, years = read_column(target, entry["time_column"])
        column, values = read_column(target, entry["value_column"])
    else:  # a packaged resource: parse a temporary copy with the one reader
        with resources.as_file(target) as path:
            _, years = read_column(path, entry["time_column"])
            column, values = read_column(path, entry["value_column"])
    return YearlySeries(
        name=name,
        years=years.astype(np.int64),
        values=values,
        column=column,
        units=entry["units"],
        provenance={**entry, "extracted_from": record["extracted_from"]},
    )


def load_sunspots() -> YearlySeries:
    """Yearly sunspot numbers 1700-2008 (NOAA NGDC, via statsmodels; public domain), checked
    against the shipped SHA-256."""
    return shipped_series("sunspots")


def load_nile() -> YearlySeries:
    """Annual Nile flow at Aswan 1871-1970 in 10^8 m^3 (Cobb 1978, via statsmodels; public
    domain), checked against the shipped SHA-256."""
    return shipped_series("nile")
