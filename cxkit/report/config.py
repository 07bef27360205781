"""``reports.toml``: load it into :class:`ReportSpec` objects and pick the ones to run.

The format is described in ``docs/reports.md`` and at the top of the repository's
``reports.toml``. Parameters are typed against each notebook's ``parameters`` cell.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cxkit.report._params import (
    ReportConfigError,
    notebook_parameters,
    read_notebook,
    typed_parameters,
)

__all__ = ["ReportSpec", "load_config", "select_reports"]

_CONFIG_KEYS = {"name", "notebook", "title", "parameters", "matrix", "requires", "id_columns"}
_SLUG_BAD = re.compile(r"[^A-Za-z0-9._=+-]+")


@dataclass(frozen=True)
class ReportSpec:
    """One report to run: a notebook and its (already typed) parameters."""

    name: str
    notebook: Path
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    base_name: str | None = None
    #: Files the report needs (e.g. a public dataset outside the repository); when one is
    #: missing the report is skipped with a message instead of failing.
    requires: tuple[Path, ...] = ()
    #: Columns that hold ids besides the ones cxkit knows (``customer_id``, ``Customer ID``,
    #: the columns mapped in the notebook's ``read_*`` calls): masked in the report.
    id_columns: tuple[str, ...] = ()

    def missing_requirements(self) -> list[Path]:
        """The required files that do not exist."""
        return [p for p in self.requires if not p.exists()]

    @property
    def slug(self) -> str:
        """File-system-safe form of :attr:`name`, used for the output folder and files."""
        return _slug(self.name)


def _slug(name: str) -> str:
    """``"csat-segment=new customers"`` → ``"csat-segment=new_customers"``.

    >>> _slug("csat-segment=<b>new</b> customers")
    'csat-segment=_b_new_b_customers'
    """
    slug = _SLUG_BAD.sub("_", name).strip("._") or "report"
    return slug[:120]


def _value_label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _spec_from_entry(entry: dict[str, Any], base: Path, where: str) -> list[ReportSpec]:
    unknown = set(entry) - _CONFIG_KEYS
    if unknown:
        raise ReportConfigError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed keys are {sorted(_CONFIG_KEYS)}"
        )
    for key in ("name", "notebook"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ReportConfigError(f'{where}: needs {key} = "..." (a non-empty string)')
    name = entry["name"].strip()
    notebook = (base / entry["notebook"]).resolve()
    if not notebook.is_file():
        raise ReportConfigError(f"{where} ({name}): notebook {entry['notebook']!r} not found")
    title = str(entry.get("title") or name)
    requires_raw = entry.get("requires", [])
    if not isinstance(requires_raw, list) or not all(isinstance(r, str) for r in requires_raw):
        raise ReportConfigError(
            f'{where} ({name}): requires must be a list of paths, e.g. ["../data/x.csv"]'
        )
    requires = tuple((base / r).resolve() for r in requires_raw)
    ids = entry.get("id_columns", [])
    if not isinstance(ids, list) or not all(isinstance(c, str) and c for c in ids):
        raise ReportConfigError(
            f'{where} ({name}): id_columns must be a list of column names, e.g. ["Kundennr"]'
        )
    id_columns = tuple(ids)
    params_decl = notebook_parameters(notebook)
    raw_params = entry.get("parameters", {})
    matrix = entry.get("matrix", {})
    if not isinstance(raw_params, dict) or not isinstance(matrix, dict):
        raise ReportConfigError(f"{where} ({name}): parameters and matrix must be tables")
    source = f"notebook {entry['notebook']!r} (report {name!r})"
    params = typed_parameters(params_decl, raw_params, raw=False, source=source)
    if not matrix:
        return [
            ReportSpec(
                name, notebook, title, params, base_name=name, requires=requires,
                id_columns=id_columns,
            )
        ]  # fmt: skip
    for key, values in matrix.items():
        if not isinstance(values, list) or not values:
            raise ReportConfigError(
                f'{where} ({name}): matrix.{key} must be a non-empty list, e.g. {key} = ["a", "b"]'
            )
    specs = []
    keys = list(matrix)
    for combo in itertools.product(*(matrix[k] for k in keys)):
        extra = typed_parameters(
            params_decl, dict(zip(keys, combo, strict=True)), raw=False, source=source
        )
        suffix = "-".join(f"{k}={_value_label(v)}" for k, v in zip(keys, combo, strict=True))
        label = ", ".join(f"{k}: {_value_label(v)}" for k, v in zip(keys, combo, strict=True))
        specs.append(
            ReportSpec(
                f"{name}-{suffix}",
                notebook,
                f"{title} ({label})",
                {**params, **extra},
                base_name=name,
                requires=requires,
                id_columns=id_columns,
            )
        )
    return specs


def load_config(path: str | Path) -> list[ReportSpec]:
    """Read ``reports.toml`` into report specs (matrix entries expanded, parameters typed).

    Notebook paths are relative to the config file's folder. Parameters are checked against
    the notebook's ``parameters`` cell: unknown names and wrong types are errors.

    Returns
    -------
    list of ReportSpec
        In file order; a matrix entry expands in the order of its values.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "reports.toml").write_text("")
    >>> load_config(d / "reports.toml")
    []
    """
    path = Path(path)
    if not path.is_file():
        raise ReportConfigError(
            f"Report config {str(path)!r} not found: run from the project folder or pass --config"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReportConfigError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("report", [])
    if not isinstance(entries, list):
        raise ReportConfigError(f"{path}: use [[report]] (an array of tables) for each report")
    specs: list[ReportSpec] = []
    for i, entry in enumerate(entries, start=1):
        specs.extend(_spec_from_entry(entry, path.parent.resolve(), f"{path.name} report #{i}"))
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.slug in seen:
            raise ReportConfigError(
                f"{path.name}: two reports share the name/file {spec.slug!r} "
                f"({seen[spec.slug]!r} and {spec.name!r}); give them distinct names"
            )
        seen[spec.slug] = spec.name
    return specs


def _notebook_title(notebook: Path) -> str:
    nb = read_notebook(notebook)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def select_reports(
    specs: Sequence[ReportSpec],
    targets: Sequence[str] = (),
    overrides: dict[str, str] | None = None,
) -> list[ReportSpec]:
    """Pick the reports to run and apply ``-p`` overrides, typed per notebook.

    ``targets`` are report names (a matrix entry's base name selects all its variants) or
    notebook paths (run with their own defaults plus the overrides). No targets: all specs.

    Returns
    -------
    list of ReportSpec
        In the order of ``targets`` (duplicates removed), with the overrides typed and applied.

    Examples
    --------
    >>> spec = ReportSpec("csat", Path("nb.ipynb"), "CSAT", {"min_base": 30}, base_name="csat")
    >>> [s.name for s in select_reports([spec], ["csat"])]
    ['csat']
    """
    chosen: list[ReportSpec] = []
    if not targets:
        chosen = list(specs)
    for target in targets:
        matches = [s for s in specs if target in (s.name, s.base_name)]
        if matches:
            chosen.extend(matches)
            continue
        path = Path(target)
        if path.suffix == ".ipynb":
            if not path.is_file():
                raise ReportConfigError(f"Notebook {target!r} not found")
            nb = path.resolve()
            chosen.append(ReportSpec(nb.stem, nb, _notebook_title(nb), {}, base_name=nb.stem))
            continue
        names = ", ".join(sorted({s.base_name or s.name for s in specs})) or "none configured"
        raise ReportConfigError(
            f"No report named {target!r} (reports: {names}); or pass a notebook path (*.ipynb)"
        )
    unique: dict[str, ReportSpec] = {}
    for spec in chosen:
        unique.setdefault(spec.name, spec)
    if overrides:
        out = []
        for spec in unique.values():
            typed = typed_parameters(
                notebook_parameters(spec.notebook),
                overrides,
                raw=True,
                source=f"notebook {spec.notebook.name!r}",
            )
            out.append(replace(spec, parameters={**spec.parameters, **typed}))
        return out
    return list(unique.values())
