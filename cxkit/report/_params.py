"""Typed notebook parameters: read the ``parameters`` cell with :mod:`ast`, coerce ``-p`` values.

A notebook declares its parameters in the first code cell tagged ``parameters``::

    events_path: str = "../data/sample/events.parquet"
    min_base: int = 30
    segments: list[str] = ["new", "loyal"]
    period: str | None = None

``cxkit report run nb.ipynb -p min_base=50 -p segments=new,loyal -p period=none`` then passes
``50`` (an int), ``["new", "loyal"]`` and ``None`` — typed by the annotations, never a string
where the notebook expects a number. Unannotated parameters are typed by their default value.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Parameter",
    "ReportConfigError",
    "check_value",
    "coerce_parameter",
    "notebook_parameters",
    "parse_assignments",
    "read_notebook",
    "typed_parameters",
]


class ReportConfigError(ValueError):
    """A report configuration, selection or parameter is wrong (the message says how to fix it)."""


_SCALARS = {"str", "int", "float", "bool"}
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_NONE = {"none", "null", ""}


@dataclass(frozen=True)
class Parameter:
    """One notebook parameter.

    ``kind`` is ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"list"``, ``"dict"`` or ``"any"``;
    ``item`` the element kind of a list; ``optional`` whether ``None`` is allowed.
    """

    name: str
    kind: str
    item: str = "any"
    optional: bool = False
    default: Any = None
    annotation: str | None = None

    @property
    def type_name(self) -> str:
        """The type as written for users, e.g. ``list[str] | None``."""
        base = f"list[{self.item}]" if self.kind == "list" else self.kind
        return f"{base} | None" if self.optional else base


def _kind_of_annotation(node: ast.expr) -> tuple[str, str, bool]:
    """Map an annotation AST node to (kind, item kind, optional)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # "str" in quotes
        return _kind_of_annotation(ast.parse(node.value, mode="eval").body)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [node.left, node.right]
        non_none = [p for p in parts if not (isinstance(p, ast.Constant) and p.value is None)]
        if len(non_none) == 1:
            kind, item, _ = _kind_of_annotation(non_none[0])
            return kind, item, True
        return "any", "any", True
    if isinstance(node, ast.Subscript):
        base = ast.unparse(node.value).split(".")[-1]
        if base == "Optional":
            kind, item, _ = _kind_of_annotation(node.slice)
            return kind, item, True
        if base in {"list", "List", "Sequence", "tuple", "Tuple"}:
            sl = node.slice
            if isinstance(sl, ast.Tuple) and sl.elts:  # tuple[str, ...]
                sl = sl.elts[0]
            item, _, _ = _kind_of_annotation(sl)
            return "list", item if item in _SCALARS else "any", False
        if base in {"dict", "Dict", "Mapping"}:
            return "dict", "any", False
    if isinstance(node, ast.Name | ast.Attribute):
        name = ast.unparse(node).split(".")[-1]
        if name in _SCALARS:
            return name, "any", False
        if name in {"list", "List"}:
            return "list", "any", False
        if name in {"dict", "Dict"}:
            return "dict", "any", False
    return "any", "any", False


def _kind_of_value(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        return "bool", "any"
    for kind, typ in (("int", int), ("float", float), ("str", str), ("dict", dict)):
        if isinstance(value, typ):
            return kind, "any"
    if isinstance(value, list | tuple):
        kinds = {_kind_of_value(v)[0] for v in value}
        return "list", kinds.pop() if len(kinds) == 1 else "any"
    return "any", "any"


def read_notebook(path: str | Path) -> Any:
    """Read a notebook; one that is not a readable notebook is a :class:`ReportConfigError`."""
    import nbformat

    try:
        return nbformat.read(Path(path), as_version=4)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReportConfigError(
            f"{path} is not a readable Jupyter notebook ({type(exc).__name__}): "
            "open and save it in Jupyter, or check that you named the .ipynb file"
        ) from None


def _parameter_cell(nb: Any) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell.source
    return None


def notebook_parameters(notebook: str | Path | Any) -> dict[str, Parameter]:
    """The parameters declared in a notebook's ``parameters`` cell, in order.

    Parameters
    ----------
    notebook : path or NotebookNode

    Returns
    -------
    dict of str to Parameter
        Empty when the notebook has no cell tagged ``parameters``.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> cell = nbformat.v4.new_code_cell("n: int = 3\\nlabel = 'a'\\nxs: list[float] = []")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb.cells.append(cell)
    >>> {k: p.type_name for k, p in notebook_parameters(nb).items()}
    {'n': 'int', 'label': 'str', 'xs': 'list[float]'}
    """
    if isinstance(notebook, str | Path):
        path = Path(notebook)
        if not path.is_file():
            raise ReportConfigError(f"Notebook not found: {path}")
        nb = read_notebook(path)
    else:
        nb = notebook
    source = _parameter_cell(nb)
    if source is None:
        return {}
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ReportConfigError(f"The parameters cell does not parse as Python: {exc}") from exc
    params: dict[str, Parameter] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, ann, value_node = stmt.target.id, stmt.annotation, stmt.value
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            name, ann, value_node = stmt.targets[0].id, None, stmt.value
        else:
            continue
        try:
            default = ast.literal_eval(value_node) if value_node is not None else None
        except ValueError:
            default = None
        if ann is not None:
            kind, item, optional = _kind_of_annotation(ann)
            ann_text = ast.unparse(ann)
        else:
            kind, item = _kind_of_value(default)
            optional, ann_text = default is None, None
        if default is None and value_node is not None:
            optional = True
        params[name] = Parameter(name, kind, item, optional, default, ann_text)
    return params


def _scalar(raw: str, kind: str, name: str) -> Any:
    text = raw.strip()
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        raise ReportConfigError(
            f"Parameter {name!r} expects {kind}, got {raw!r}: pass e.g. {name}={'30' if kind == 'int' else '0.9'}"
        ) from None
    if kind == "bool":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ReportConfigError(f"Parameter {name!r} expects true/false, got {raw!r}")
    if kind == "any":
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return raw
    return raw


def coerce_parameter(raw: str, param: Parameter) -> Any:
    """Turn a command-line string into the type the parameter cell declares.

    Lists accept ``a,b,c`` or JSON (``["a, b", "c"]``); ``none``/``null`` gives ``None`` for
    optional parameters; booleans accept true/false/yes/no/1/0.

    >>> coerce_parameter("50", Parameter("min_base", "int"))
    50
    >>> coerce_parameter("new, loyal", Parameter("segments", "list", "str"))
    ['new', 'loyal']
    >>> coerce_parameter("none", Parameter("period", "str", optional=True)) is None
    True
    """
    if param.optional and raw.strip().lower() in _NONE and param.kind != "str":
        return None
    if param.optional and param.kind == "str" and raw.strip().lower() in {"none", "null"}:
        return None
    if param.kind == "str":
        return raw
    if param.kind == "list":
        text = raw.strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                try:
                    items = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    raise ReportConfigError(
                        f"Parameter {param.name!r} expects a list, got {raw!r}: "
                        f'pass {param.name}=a,b or {param.name}=\'["a", "b"]\''
                    ) from None
            return [check_value(v, param.item, param.name, item_of=True) for v in items]
        parts = [p.strip() for p in text.split(",")] if text else []
        return [_scalar(p, param.item if param.item != "any" else "any", param.name) for p in parts]
    if param.kind == "dict":
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise ReportConfigError(
                f"Parameter {param.name!r} expects a JSON object, got {raw!r}"
            ) from None
        if not isinstance(value, dict):
            raise ReportConfigError(f"Parameter {param.name!r} expects a JSON object, got {raw!r}")
        return value
    return _scalar(raw, param.kind, param.name)


def check_value(value: Any, kind: str, name: str, *, item_of: bool = False) -> Any:
    """Check an already-typed value (from TOML or JSON) against ``kind``; ints widen to float."""
    what = f"an element of {name!r}" if item_of else repr(name)
    if kind == "any":
        return value
    if isinstance(value, str) and kind != "str":
        return _scalar(value, kind, name) if kind in _SCALARS else value
    ok = {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "list": isinstance(value, list | tuple),
        "dict": isinstance(value, dict),
    }.get(kind, True)
    if not ok:
        raise ReportConfigError(
            f"Parameter {what} expects {kind}, got {value!r} ({type(value).__name__})"
        )
    if kind == "float":
        return float(value)
    return list(value) if kind == "list" else value


def typed_parameters(
    params: dict[str, Parameter], values: dict[str, Any], *, raw: bool, source: str
) -> dict[str, Any]:
    """Validate ``values`` against the notebook's parameters (coercing strings when ``raw``).

    Returns
    -------
    dict
        The values typed as the parameter cell declares; unknown names or mistyped values
        raise :class:`ReportConfigError` listing the notebook's parameters.

    Examples
    --------
    >>> typed_parameters({"n": Parameter("n", "int")}, {"n": "5"}, raw=True, source="nb")
    {'n': 5}
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in params:
            known = ", ".join(f"{p.name}: {p.type_name}" for p in params.values()) or "none"
            raise ReportConfigError(
                f"{source} has no parameter {key!r}. Its parameters are: {known}."
            )
        p = params[key]
        if raw:
            out[key] = coerce_parameter(str(value), p)
        elif value is None:
            if not p.optional:
                raise ReportConfigError(f"Parameter {key!r} of {source} cannot be None")
            out[key] = None
        elif p.kind == "list":
            out[key] = [
                check_value(v, p.item, key, item_of=True) for v in check_value(value, "list", key)
            ]
        else:
            out[key] = check_value(value, p.kind, key)
    return out


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """Split ``["a=1", "b=x=y"]`` into ``{"a": "1", "b": "x=y"}``.

    >>> parse_assignments(["min_base=50", "label=a=b"])
    {'min_base': '50', 'label': 'a=b'}
    """
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ReportConfigError(f"-p expects key=value, got {pair!r}")
        out[key.strip()] = value
    return out
