"""Reading values with Brian2 units from text, without ``eval``.

``parse_value('10*uA/cm**2')`` → ``10. * uamp / cmetre ** 2``.  The text is parsed with
:mod:`ast` and only numbers, unit names known to Brian2, ``* / ** + -``, lists and the two
ranges ``linspace(start, stop, num)`` and ``arange(start, stop, step)`` (NumPy's, with or
without units: ``linspace(2, 20, 10)*uA/cm**2``) are evaluated; anything else (another
function call, an attribute, an unknown name) is refused with an error naming the
parameter.  Bare words that are not units (``shape=all``) are strings.
"""

from __future__ import annotations

import ast
import math
import operator

from brian2 import Quantity
from brian2.units import allunits, stdunits
from brian2.units.fundamentalunits import Unit

from hhlif.models.errors import ParameterError
from hhlif.models.units import format_quantity

__all__ = ["parse_value", "parse_assignment", "format_quantity"]

_UNITS = {name: value for module in (allunits, stdunits)
          for name, value in vars(module).items() if isinstance(value, Unit)}
_UNITS.update({"um": allunits.umetre, "uA": allunits.uamp, "nA": allunits.namp,
               "pA": allunits.pamp, "mA": allunits.mamp})
_OPS = {ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Pow: operator.pow,
        ast.Add: operator.add, ast.Sub: operator.sub}


def _evaluate(node, name, text):
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, name, text)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in _UNITS:
            return _UNITS[node.id]
        if node.id in ("inf", "nan"):
            return float(node.id)
        raise _Bare(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, name, text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left = _evaluate(node.left, name, text)
        right = _evaluate(node.right, name, text)
        _check_operands(type(node.op), left, right, name, text)
        try:
            value = _OPS[type(node.op)](left, right)
        except Exception as exc:  # dimension mismatch in '+' and the like
            raise ParameterError(f"parameter {name!r}={text!r}: {exc}") from None
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_MAGNITUDE:
            raise ParameterError(f"parameter {name!r}={text!r}: the value is larger than"
                                 f" {MAX_MAGNITUDE:.0e}; expected a physical quantity")
        return value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in _RANGES and not node.keywords:
        return _range(node.func.id, [_evaluate(a, name, text) for a in node.args], name, text)
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [_evaluate(elt, name, text) for elt in node.elts]
        if values and all(isinstance(v, Quantity) for v in values):
            return Quantity(values)
        return values
    raise ParameterError(
        f"parameter {name!r}={text!r}: expected a number with Brian2 units such as"
        f" '10*uA/cm**2' or '200*ms' (only numbers, unit names, * / ** + -, [lists],"
        f" linspace(start, stop, num) and arange(start, stop, step) are allowed)")


class _Bare(Exception):
    pass


#: Largest magnitude an integer expression may reach (beyond a float's range nothing
#: physical remains, and ``2**2**40`` would otherwise run for hours).
MAX_MAGNITUDE = 10**308
#: Longest text a value may have.
MAX_TEXT = 10_000


def _check_operands(op, left, right, name, text):
    """Refuse, before computing it, an operation that would take unbounded time or memory."""
    import numpy as np

    if op is ast.Pow:
        base = np.asarray(left, dtype=float) if not isinstance(left, list) else None
        power = np.asarray(right, dtype=float) if not isinstance(right, list) else None
        if base is not None and power is not None and base.ndim == 0 and power.ndim == 0:
            b, e = abs(float(base)), float(power)
            if b > 1 and abs(e) * math.log10(b) > 308:
                raise ParameterError(f"parameter {name!r}={text!r}: exponent {e:g} is too large"
                                     f" (the value would exceed 1e308); expected a physical"
                                     f" quantity")
    if op is ast.Mult and (isinstance(left, list) or isinstance(right, list)):
        other = right if isinstance(left, list) else left
        if not isinstance(other, Quantity) and not isinstance(other, Unit):
            raise ParameterError(f"parameter {name!r}={text!r}: a list times a number repeats"
                                 f" the list; expected units after a list, e.g."
                                 f" [1, 2]*uA/cm**2")


#: Spellings users try that Brian2 does not know.
_UNIT_HINTS = {"s": " (Brian2 writes seconds as 'second', or use 'ms')",
               "sec": " (Brian2 writes seconds as 'second')",
               "msec": " (Brian2 writes milliseconds as 'ms')",
               "uS": " (Brian2 writes microsiemens as 'usiemens')",
               "mho": " (use 'siemens')",
               "µA": " (write 'uA')", "µF": " (write 'uF')", "µm": " (write 'um')"}
_RANGES = {"linspace": 3, "arange": 3}
#: Most values a range may produce (a sweep runs each as a neuron).
MAX_RANGE = 100_000


def _range(kind, args, name, text):
    """``linspace(start, stop, num)`` or ``arange(start, stop, step)``, units kept."""
    import numpy as np
    from brian2 import get_dimensions

    usage = ("linspace(start, stop, num)" if kind == "linspace"
             else "arange(start, stop, step)")
    if len(args) != _RANGES[kind] or any(isinstance(a, (list, str)) for a in args):
        raise ParameterError(f"parameter {name!r}={text!r}: expected {usage} with numbers or"
                             f" quantities")
    for arg in args:
        magnitude = np.asarray(arg)
        if magnitude.ndim != 0 or magnitude.dtype.kind not in "iuf" \
                or not np.isfinite(float(magnitude)):
            raise ParameterError(f"parameter {name!r}={text!r}: {usage} takes finite single"
                                 f" numbers or quantities")
    start, stop, third = args
    dim = get_dimensions(start)
    if get_dimensions(stop) != dim or (kind == "arange" and get_dimensions(third) != dim):
        raise ParameterError(f"parameter {name!r}={text!r}: {usage} needs start, stop"
                             f"{' and step' if kind == 'arange' else ''} in the same unit")
    a, b = float(np.asarray(start)), float(np.asarray(stop))
    if kind == "linspace":
        if get_dimensions(third) is not get_dimensions(1) or float(third) != int(third) \
                or not 1 <= int(third) <= MAX_RANGE:
            raise ParameterError(f"parameter {name!r}={text!r}: num must be a whole number"
                                 f" from 1 to {MAX_RANGE}")
        values = np.linspace(a, b, int(third))
    else:
        step = float(np.asarray(third))
        count = math.ceil((b - a) / step) if step else -1
        if not step or count < 1 or count > MAX_RANGE:
            raise ParameterError(f"parameter {name!r}={text!r}: arange needs a non-zero step"
                                 f" giving 1 to {MAX_RANGE} values, got {max(count, 0)}")
        values = np.arange(a, b, step)
    return Quantity(values, dim=dim) if not dim.is_dimensionless else values


def _top_level_comma(text: str) -> bool:
    """Whether ``text`` has a comma outside brackets (``1*ms,2*ms``, not ``linspace(1, 2, 3)``)."""
    depth = 0
    for ch in text:
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == "," and depth == 0:
            return True
    return False


def parse_value(text: str, name: str = "value"):
    """Parse ``text`` into a number, a Brian2 quantity, a list of them, or a plain word.

    Parameters
    ----------
    text : str
        E.g. ``'10*uA/cm**2'``, ``'200*ms'``, ``'3'``, ``'[1, 2, 3]*uA/cm**2'``, ``'all'``.
        A comma-separated list without brackets (``'1*ms,2*ms'``) is a list too.
    name : str
        Parameter name, used in error messages.

    Raises
    ------
    ParameterError
        For text that is neither a value with units nor a plain word, or NaN.
    """
    if not isinstance(text, str):
        return text
    stripped = text.strip()
    if len(stripped) > MAX_TEXT:
        raise ParameterError(f"parameter {name!r}: a value of {len(stripped)} characters;"
                             f" expected at most {MAX_TEXT}")
    if not stripped:
        raise ParameterError(f"parameter {name!r}: empty value; expected e.g. '10*uA/cm**2'")
    if _top_level_comma(stripped) and not stripped.startswith(("[", "(")):
        words = [w.strip() for w in stripped.split(",")]
        if all(w.isidentifier() and w not in _UNITS and w not in ("inf", "nan") for w in words):
            return ",".join(words)  # plain words, e.g. shape=sine,square
        stripped = "[" + stripped + "]"
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError:
        raise ParameterError(
            f"parameter {name!r}={text!r}: not a value; expected a number with units such as"
            f" '10*uA/cm**2' or '200*ms'") from None
    try:
        value = _evaluate(tree, name, text)
    except _Bare as bare:
        if isinstance(tree.body, ast.Name):
            return stripped  # a plain word such as 'all' or 'sine'
        hint = _UNIT_HINTS.get(bare.args[0], "")
        raise ParameterError(
            f"parameter {name!r}={text!r}: unknown unit {bare.args[0]!r}{hint}; expected Brian2"
            f" unit names such as mV, ms, second, uA, cm, mS, uF, Hz") from None
    if isinstance(value, float) and math.isnan(value):
        raise ParameterError(f"parameter {name!r}={text!r}: NaN is not a valid value")
    return value


def parse_assignment(text: str):
    """Split ``'KEY=VALUE'`` and parse the value; returns ``(key, value)``."""
    if "=" not in text:
        raise ParameterError(f"--set {text!r}: expected KEY=VALUE, e.g. amplitude=10*uA/cm**2")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key.isidentifier():
        raise ParameterError(f"--set {text!r}: {key!r} is not a parameter name")
    return key, parse_value(raw, key)
