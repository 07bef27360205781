"""Typed notebook parameters: annotations read with ast, -p values coerced."""

from __future__ import annotations

from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cxkit.report import (
    Parameter,
    ReportConfigError,
    coerce_parameter,
    notebook_parameters,
)

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS_NB = (NB_DIR / "params_and_escaping.ipynb").as_posix()


# ---------------------------------------------------------------------------------------------
# typed parameters
# ---------------------------------------------------------------------------------------------
def _nb_with_params(source: str):
    nb = new_notebook()
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# T"), cell]
    return nb


def test_notebook_parameters_read_the_annotations():
    nb = _nb_with_params(
        'path: str = "a.csv"\nn: int = 3\nshare: float = 0.5\nflag: bool = False\n'
        'segs: list[str] = ["a"]\nperiod: str | None = None\nk: "Optional[int]" = None\n'
        "untyped = 2.5\nmaybe = None\nweights: dict = {}\nimport os  # not a parameter\n"
    )
    got = {k: (p.type_name, p.default) for k, p in notebook_parameters(nb).items()}
    assert got == {
        "path": ("str", "a.csv"),
        "n": ("int", 3),
        "share": ("float", 0.5),
        "flag": ("bool", False),
        "segs": ("list[str]", ["a"]),
        "period": ("str | None", None),
        "k": ("int | None", None),
        "untyped": ("float", 2.5),
        "maybe": ("any | None", None),
        "weights": ("dict", {}),
    }


@pytest.mark.parametrize(
    ("raw", "param", "expected"),
    [
        ("50", Parameter("n", "int"), 50),
        ("1_000", Parameter("n", "int"), 1000),
        ("0.25", Parameter("x", "float"), 0.25),
        ("3", Parameter("x", "float"), 3.0),
        ("yes", Parameter("b", "bool"), True),
        ("False", Parameter("b", "bool"), False),
        ("0", Parameter("b", "bool"), False),
        ("007", Parameter("s", "str"), "007"),  # a string stays a string, zeros kept
        ("none", Parameter("s", "str"), "none"),  # not optional: the literal text
        ("none", Parameter("s", "str", optional=True), None),
        ("null", Parameter("n", "int", optional=True), None),
        ("a, b ,c", Parameter("l", "list", "str"), ["a", "b", "c"]),
        ('["a, b", "c"]', Parameter("l", "list", "str"), ["a, b", "c"]),
        ("1,2", Parameter("l", "list", "int"), [1, 2]),
        ("", Parameter("l", "list", "str"), []),
        ('{"a": 1}', Parameter("d", "dict"), {"a": 1}),
        ("[1, 2]", Parameter("u", "any"), [1, 2]),
        ("hello", Parameter("u", "any"), "hello"),
    ],
)
def test_coerce_parameter_types_values(raw, param, expected):
    got = coerce_parameter(raw, param)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("raw", "param", "message"),
    [
        ("fifty", Parameter("n", "int"), "expects int"),
        ("1.5", Parameter("n", "int"), "expects int"),
        ("maybe", Parameter("b", "bool"), "true/false"),
        ("a,b", Parameter("l", "list", "int"), "expects int"),
        ("[1,", Parameter("l", "list", "int"), "expects a list"),
    ],
)
def test_coerce_parameter_rejects_mistyped_values(raw, param, message):
    with pytest.raises(ReportConfigError, match=message):
        coerce_parameter(raw, param)


# ---------------------------------------------------------------------------------------------
