"""Reading values with Brian2 units from text, without ``eval``.

``parse_value('10*uA/cm**2')`` → ``10. * uamp / cmetre ** 2``.  The text is parsed with
:mod:`ast` and only numbers, unit names known to Brian2, ``* / ** + -`` and lists are
evaluated; anything else (a function call, an attribute, an unknown name) is refused with
an error naming the parameter.  Bare words that are not units (``shape=all``) are strings.
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
        try:
            return _OPS[type(node.op)](left, right)
        except Exception as exc:  # dimension mismatch in '+' and the like
            raise ParameterError(f"parameter {name!r}={text!r}: {exc}") from None
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [_evaluate(elt, name, text) for elt in node.elts]
        if values and all(isinstance(v, Quantity) for v in values):
            return Quantity(values)
        return values
    raise ParameterError(
        f"parameter {name!r}={text!r}: expected a number with Brian2 units such as"
        f" '10*uA/cm**2' or '200*ms' (only numbers, unit names, * / ** + - and [lists] are"
        f" allowed)")


class _Bare(Exception):
    pass


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
    if not stripped:
        raise ParameterError(f"parameter {name!r}: empty value; expected e.g. '10*uA/cm**2'")
    if "," in stripped and not stripped.startswith(("[", "(")):
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
        raise ParameterError(
            f"parameter {name!r}={text!r}: unknown unit {bare.args[0]!r}; expected Brian2 unit"
            f" names such as mV, ms, uA, cm, mS, uF, Hz") from None
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
