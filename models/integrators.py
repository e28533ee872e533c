"""Integration methods for conductance-based models, as Brian2 state updaters.

Contents
--------
RushLarsen2              the second-order Rush–Larsen state updater (class; two schemes)
rush_larsen2             its default instance: ``NeuronGroup(..., method=rush_larsen2)``
register_integrators     register it with Brian2 as :data:`METHOD_NAME` (idempotent), so that
                         ``method="rush_larsen2"`` works as a string, on every device
METHOD_NAME              ``"rush_larsen2"``
conditionally_linear_terms, split_groups
                         the symbolic analysis the method is built on

Conditionally linear equations
------------------------------
Hodgkin–Huxley-type ("conductance-based") equations are *conditionally linear*: every state
variable's right-hand side is linear in that variable, with coefficients that depend on the
other variables (and on time, through the input)::

    dx/dt = f_x(y, t) = a_x(y_{≠x}, t)·x + b_x(y_{≠x}, t)

A gate ``dm/dt = α_m(v)(1 − m) − β_m(v)·m`` has ``a = −(α + β)`` and ``b = α`` (relaxation to
``m∞ = α/(α + β)`` with ``τ = 1/(α + β)``); the membrane ``C dv/dt = Σ_k g_k(gates)(E_k − v)
+ I`` has ``a = −Σ g_k/C`` and ``b = (Σ g_k E_k + I)/C``.  ``a`` and ``b`` are found
symbolically (sympy: ``a = ∂f/∂x``, checked free of ``x``; ``b = f|_{x=0}``), after Brian2
substituted the subexpressions (rate functions with ``exprel``, conductances).  With
``φ(z) = (e^z − 1)/z`` (Brian2's ``exprel``), the exact solution over a step ``h`` of
``dx/dt = a·x + b`` with ``a``, ``b`` frozen is::

    E_h(x; a, b) = x + h·(a·x + b)·φ(a·h) = x∞ + (x − x∞)·e^{a h},   x∞ = −b/a

— Rush & Larsen's (1978) update, and Brian2's ``exponential_euler`` when ``a``, ``b`` are
taken at the start of the step (first order).  For ``a ≤ 0`` it is a convex combination of
``x`` and ``x∞`` for *every* ``h`` (no overflow: ``φ(a h)·h → −1/a`` as ``a h → −∞``).

Scheme ``'split'`` (default): symmetric (Strang) splitting with exact sub-flows
-----------------------------------------------------------------------------
The variables are partitioned into groups that do not depend on each other (a greedy
colouring of the dependency graph; for HH: ``{v}`` and the gates ``{m, h, n}``), so that
advancing one group with the others frozen is a set of independent scalar linear equations,
solved exactly by ``E_h``.  One step is the symmetric composition (Strang 1968) of these
exact sub-flows, the group with the most expensive coefficients in the middle, with time
frozen at the midpoint ``t_n + dt/2``.  For HH::

    v_{1/2}  = E_{dt/2}(v_n;     a_v(gates_n),     b_v(gates_n, I))        membrane, exact
    x_{n+1}  = E_{dt}  (x_n;     a_x(v_{1/2}),     b_x(v_{1/2}))   x = m, h, n: gates, exact
                                                    relaxation with rates at the midpoint voltage
    v_{n+1}  = E_{dt/2}(v_{1/2}; a_v(gates_{n+1}), b_v(gates_{n+1}, I))    membrane, exact

with ``I = I(t_n + dt/2)``.  It is a one-step, exact-exponential relative of the staggered
scheme of Hines (1984) (NEURON: gates half a step apart from ``v``, each advanced with the
other at its midpoint), and second order because the composition is symmetric.  Cost: the six rate
functions once per step (4 ``exp``, 2 ``exprel``) and one ``exprel`` per update (5) —
exponential Euler's cost, against RK4's four evaluations of the rate functions; measured
(``benchmarks/hh_accuracy.py``): 0.08 against 0.13 µs per neuron-step on the runtime
device, 0.008 against 0.018 on cpp-simd.

Scheme ``'midpoint'``: predictor–corrector ("RL2")
-------------------------------------------------
The second-order Rush–Larsen method in the form of Sundnes et al. (2009) (Perego &
Veneziani 2009 analyse related second-order generalisations of Rush–Larsen): a Rush–Larsen
half step to the midpoint state, then a full exact-exponential step from ``y_n`` with the
coefficients frozen there, every variable at once::

    x*      = E_{dt/2}(x_n; a_x(y_n, t_n),            b_x(y_n, t_n))
    x_{n+1} = E_{dt}  (x_n; a_x(y*, t_n + dt/2),      b_x(y*, t_n + dt/2))

All coefficients are evaluated at two states (measured on HH: 1.4 times the cost of
``'split'`` per step on the runtime device) and the error at the same step is about 2.6
times larger (``benchmarks/hh_accuracy.py``); kept for comparison and for systems whose
dependency graph splits into many groups.

Properties (both schemes; ``tests/models/test_integrators.py``)
-------------------------------------------------------------
* **second order** (global error O(dt²)).
* **unconditionally stable, bound-preserving** for conductance-based models: every update
  is ``E_h`` with ``a ≤ 0`` (gates: ``−(α + β)``; membrane: ``−Σ g/C`` with non-negative
  conductances), a convex combination of the old value and a frozen steady state, for any
  ``a·h``.  Gates stay in [0, 1]; ``v`` stays within the reversal potentials widened by
  ``I/g_L``; nothing is NaN for any bounded input at any step.
* **exact for a passive membrane** (one variable, constant or step-wise constant input): one
  exact step, to rounding, at any ``dt``.
* **zero-order-hold inputs** (a TimedArray whose step is a multiple of ``dt``) are read inside
  ``[t_n, t_n + dt)`` only: the input of a step is the one applied over that step.
* a variable whose right-hand side does not depend on itself (``a = 0``) gets ``E_h`` =
  an Euler sub-step, still second order inside the symmetric composition.
* plain abstract code (arithmetic, ``exp``, ``exprel`` and the equations' own functions), so
  the same state updater serves runtime, C++ standalone, cpp-simd and CUDA; common
  subexpressions of a stage are computed once (sympy ``cse``), and the code is branch-free.

Variables that are **not** linear in themselves (``dv/dt = v**2``, an exponential spike
term) are refused with :class:`~brian2.stateupdaters.base.UnsupportedEquationsException`
naming the variable, unless the method option ``nonlinear='linearize'`` is given: such a
variable is then advanced, in its stage, by the generalized Rush–Larsen midpoint step with
the diagonal Jacobian ``∂f/∂x`` (GRL2 of Sundnes et al. 2009; second order, but without the
stability guarantee where ``∂f/∂x > 0``).  Stochastic equations are refused.

References
----------
Rush S., Larsen H. (1978) A practical algorithm for solving dynamic membrane equations.
IEEE Trans Biomed Eng 25(4):389–392.

Strang G. (1968) On the construction and comparison of difference schemes.
SIAM J Numer Anal 5(3):506–517.

Hines M. (1984) Efficient computation of branched nerve equations.
Int J Biomed Comput 15(1):69–76.

Sundnes J., Artebrant R., Skavhaug O., Tveito A. (2009) A second-order algorithm for
solving dynamic cell membrane equations. IEEE Trans Biomed Eng 56(10):2546–2548.

Perego M., Veneziani A. (2009) An efficient generalization of the Rush–Larsen method for
solving electro-physiology membrane equations. Electron Trans Numer Anal 35:234–256.
"""

from __future__ import annotations

import sympy as sp
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.parsing.sympytools import str_to_sympy, sympy_to_str
from brian2.stateupdaters.base import (
    StateUpdateMethod,
    UnsupportedEquationsException,
    extract_method_options,
)

__all__ = [
    "METHOD_NAME",
    "SCHEMES",
    "RushLarsen2",
    "rush_larsen2",
    "register_integrators",
    "conditionally_linear_terms",
    "split_groups",
]

#: The name under which :func:`register_integrators` registers :data:`rush_larsen2`.
METHOD_NAME = "rush_larsen2"

#: The schemes of :class:`RushLarsen2` (method option ``scheme``).
SCHEMES = ("split", "midpoint")

_NONLINEAR_CHOICES = ("refuse", "linearize")

#: Prefix of the temporaries in the generated code (names with a leading underscore are
#: Brian2-internal and cannot clash with a model's variables).
_PREFIX = "_rl2"

#: Brian2's sympy ``exprel`` (printed as ``exprel``; implemented on every device).
_EXPREL = DEFAULT_FUNCTIONS["exprel"].sympy_func

_HALF = sp.Float(0.5)


def _is_free_of(expr, symbol) -> bool:
    return not expr.has(symbol)


def _written(equations, name, substituted) -> str:
    """The right-hand side as the user wrote it (before subexpressions were substituted)."""
    try:
        return str(equations[name].expr)
    except (KeyError, AttributeError, TypeError):
        return str(substituted)


def conditionally_linear_terms(equations, variables=None, nonlinear: str = "refuse"):
    """Each differential equation's right-hand side ``f = a·x + b`` and its coefficients.

    Parameters
    ----------
    equations : brian2.Equations
    variables : dict, optional
        Brian2's ``Variable`` objects of the group (resolve names, as for every state
        updater).
    nonlinear : {'refuse', 'linearize'}
        What to do with a variable whose right-hand side is not linear in itself: raise, or
        return ``a = ∂f/∂x`` (which then depends on ``x``) and ``b = None``.

    Returns
    -------
    list of (str, sympy.Symbol, sympy.Expr, sympy.Expr, sympy.Expr or None)
        ``(name, symbol, f, a, b)`` per differential equation (Brian2's order): ``f = a·x +
        b`` with ``a`` and ``b`` free of ``x``; ``b`` is None for a variable that is not
        linear in itself.

    Raises
    ------
    UnsupportedEquationsException
        For a right-hand side that is not linear in its variable (``nonlinear='refuse'``);
        the message names the variable and the expression as written.
    """
    terms = []
    for name, expr in equations.get_substituted_expressions(variables):
        f = str_to_sympy(expr.code, variables)
        symbol = next((s for s in f.free_symbols if s.name == name), sp.Symbol(name, real=True))
        a = sp.diff(f, symbol)
        b = f.xreplace({symbol: sp.S.Zero}) if _is_free_of(a, symbol) else None
        if b is None or b.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            # a form whose derivative or value at 0 does not show that it is linear (e.g.
            # x*(k + x) - x**2): collect, as Brian2's exponential_euler does
            b = None
            collected = sp.collect(sp.expand(f), symbol, evaluate=False)
            if set(collected) <= {symbol, sp.S.One} and all(
                    _is_free_of(c, symbol) for c in collected.values()):
                a = collected.get(symbol, sp.S.Zero)
                b = collected.get(sp.S.One, sp.S.Zero)
        if b is None and nonlinear == "refuse":
            raise UnsupportedEquationsException(
                f"method {METHOD_NAME!r}: the right-hand side of d{name}/dt ="
                f" {_written(equations, name, expr)} is not linear in {name!r}; this method"
                f" needs conditionally linear equations (each variable's right-hand side"
                f" linear in that variable, as in Hodgkin-Huxley-type models). Use"
                f" method_options={{'nonlinear': 'linearize'}} for the generalized"
                f" Rush-Larsen step (second order, no stability guarantee), or an explicit"
                f" method such as 'rk4'")
        terms.append((name, symbol, f, a, b))
    return terms


def split_groups(terms) -> list[list[int]]:
    """Partition ``terms`` into groups of variables that do not depend on each other.

    Greedy colouring (largest degree first, then Brian2's order) of the graph joining two
    variables when the coefficients of either contain the other.  Returns the groups as
    lists of indices into ``terms``, the group with the most expensive coefficients (sympy
    ``count_ops``) last: it is the middle, full step of the symmetric composition, the
    others are evaluated twice.
    """
    names = [t[0] for t in terms]
    symbols = {t[0]: t[1] for t in terms}
    deps = {}
    for name, x, f, a, b in terms:
        free = (a.free_symbols | (b.free_symbols if b is not None else f.free_symbols))
        deps[name] = {other for other in names if other != name and symbols[other] in free}
    adjacent = {n: set(deps[n]) for n in names}
    for n in names:
        for m in deps[n]:
            adjacent[m].add(n)
    colour = {}
    for n in sorted(names, key=lambda n: (-len(adjacent[n]), names.index(n))):
        used = {colour[m] for m in adjacent[n] if m in colour}
        colour[n] = next(c for c in range(len(names) + 1) if c not in used)
    groups = [[i for i, n in enumerate(names) if colour[n] == c]
              for c in sorted(set(colour.values()))]

    def cost(group):
        return sum(sp.count_ops(terms[i][3]) + sp.count_ops(terms[i][4] if terms[i][4]
                                                             is not None else terms[i][2])
                   for i in group)

    costs = [cost(g) for g in groups]
    middle = max(range(len(groups)), key=lambda k: (costs[k], -k))
    return [g for k, g in enumerate(groups) if k != middle] + [groups[middle]]


class RushLarsen2(StateUpdateMethod):
    """Second-order Rush–Larsen state updater for conductance-based models.

    See the module docstring for both schemes, their properties and references.  Use the
    default instance :data:`rush_larsen2` as ``method=rush_larsen2`` or, after
    :func:`register_integrators`, as ``method="rush_larsen2"``.

    Parameters
    ----------
    scheme : {'split', 'midpoint'}
        ``'split'`` (default): symmetric splitting with exact sub-flows (gates with rates
        at the midpoint voltage).  ``'midpoint'``: the predictor–corrector RL2.
    nonlinear : {'refuse', 'linearize'}
        ``'refuse'`` (default): a variable whose right-hand side is not linear in itself
        raises :class:`UnsupportedEquationsException`; ``'linearize'``: advance it by the
        generalized Rush–Larsen midpoint step (diagonal Jacobian).

    Both can be overridden per group with Brian2's ``method_options``.
    """

    def __init__(self, scheme: str = "split", nonlinear: str = "refuse"):
        self._options = self._check({"scheme": scheme, "nonlinear": nonlinear})

    @property
    def __name__(self):  # Brian2 logs the method by this name
        return METHOD_NAME if self._options["scheme"] == "split" else \
            f"{METHOD_NAME}(scheme={self._options['scheme']!r})"

    @staticmethod
    def _check(options):
        if options["scheme"] not in SCHEMES:
            raise ValueError(f"method {METHOD_NAME!r}: scheme={options['scheme']!r};"
                             f" expected one of {SCHEMES}")
        if options["nonlinear"] not in _NONLINEAR_CHOICES:
            raise ValueError(f"method {METHOD_NAME!r}: nonlinear={options['nonlinear']!r};"
                             f" expected one of {_NONLINEAR_CHOICES}")
        return dict(options)

    def __call__(self, equations, variables=None, method_options=None):
        options = self._check(extract_method_options(method_options, self._options))
        if equations.is_stochastic:
            raise UnsupportedEquationsException(
                f"method {METHOD_NAME!r} cannot integrate stochastic equations (xi terms)")
        terms = conditionally_linear_terms(equations, variables, options["nonlinear"])
        if not terms:
            return ""
        if options["scheme"] == "split":
            lines, final = self._split(terms)
        else:
            lines, final = self._midpoint(terms)
        lines += [f"{name} = {final[name]}" for name, *_ in terms]
        return "\n".join(lines)

    __call__.__doc__ = StateUpdateMethod.__call__.__doc__

    # ------------------------------------------------------------------ schemes
    def _split(self, terms):
        dt = sp.Symbol("dt", real=True)
        current = {x: x for _, x, *_ in terms}
        t = _time_symbol(terms)
        at_midpoint = {t: t + _HALF * dt} if t is not None else {}
        groups = split_groups(terms)
        sequence = ([(g, _HALF) for g in groups[:-1]] + [(groups[-1], sp.S.One)]
                    + [(g, _HALF) for g in reversed(groups[:-1])])
        lines = []
        for stage, (group, fraction) in enumerate(sequence, start=1):
            h = fraction * dt
            frozen = dict(current)
            frozen.update(at_midpoint)
            exprs, targets = [], []
            for i in group:
                name, x, f, a, b = terms[i]
                exprs.append(_exact_step(current[x], a, b, f, x, h, frozen))
                targets.append(sp.Symbol(f"{_PREFIX}_{stage}_{name}", real=True))
            lines += _emit(exprs, targets, f"s{stage}")
            for i, target in zip(group, targets):
                current[terms[i][1]] = target
        return lines, {name: current[x].name for name, x, *_ in terms}

    def _midpoint(self, terms):
        dt = sp.Symbol("dt", real=True)
        t = _time_symbol(terms)
        # predictor: a Rush-Larsen half step, every variable, coefficients at (y_n, t_n)
        start = {x: x for _, x, *_ in terms}
        half = [sp.Symbol(f"{_PREFIX}_half_{name}", real=True) for name, *_ in terms]
        lines = _emit([_exact_step(x, a, b, f, x, _HALF * dt, start, linearize_at=x)
                       for _, x, f, a, b in terms], half, "s1")
        # corrector: full step from y_n, coefficients at (y*, t_n + dt/2)
        frozen = {x: s for (_, x, *_), s in zip(terms, half)}
        if t is not None:
            frozen[t] = t + _HALF * dt
        new = [sp.Symbol(f"{_PREFIX}_new_{name}", real=True) for name, *_ in terms]
        lines += _emit([_exact_step(x, a, b, f, x, dt, frozen, linearize_at=frozen[x])
                        for _, x, f, a, b in terms], new, "s2")
        return lines, {name: s.name for (name, *_), s in zip(terms, new)}

    def __repr__(self):
        return (f"{type(self).__name__}(scheme={self._options['scheme']!r},"
                f" nonlinear={self._options['nonlinear']!r})")


def _exact_step(x0, a, b, f, x, h, frozen, linearize_at=None):
    """``E_h(x0; a, b)`` with the coefficients evaluated at ``frozen`` (a substitution of the
    state and time symbols).  For a variable that is not linear in itself (``b`` None): the
    generalized Rush–Larsen step, linearised about ``linearize_at`` (a symbol already in
    ``frozen``'s image, the midpoint scheme) or by its own midpoint sub-step."""
    if b is not None:
        a_h = a.xreplace(frozen)
        return x0 + h * (a_h * x0 + b.xreplace(frozen)) * _EXPREL(a_h * h)
    if linearize_at is not None:
        a_h = a.xreplace(frozen)
        return x0 + h * (f.xreplace(frozen) + a_h * (x0 - linearize_at)) * _EXPREL(a_h * h)
    # scalar GRL2 with the other variables frozen: half step to x*, full step linearised at x*
    at0 = dict(frozen)
    at0[x] = x0
    a0 = a.xreplace(at0)
    x_star = x0 + _HALF * h * f.xreplace(at0) * _EXPREL(a0 * _HALF * h)
    at_star = dict(frozen)
    at_star[x] = x_star
    a_star = a.xreplace(at_star)
    return x0 + h * (f.xreplace(at_star) + a_star * (x0 - x_star)) * _EXPREL(a_star * h)


def _time_symbol(terms):
    for _, _, f, a, b in terms:
        for e in (f, a) + ((b,) if b is not None else ()):
            for s in e.free_symbols:
                if s.name == "t":
                    return s
    return None


def _emit(exprs, targets, stage):
    """Abstract-code lines assigning ``exprs`` to ``targets``, common subexpressions (the
    rate functions shared by ``a`` and ``b``) computed once."""
    temps = sp.numbered_symbols(f"{_PREFIX}_{stage}_c", real=True)
    replacements, reduced = sp.cse(exprs, symbols=temps, order="none")
    lines = [f"{sym.name} = {sympy_to_str(value)}" for sym, value in replacements]
    lines += [f"{target.name} = {sympy_to_str(value)}" for target, value in zip(targets, reduced)]
    return lines


#: The default state updater (scheme ``'split'``); ``method=rush_larsen2`` in a NeuronGroup,
#: or the registered name :data:`METHOD_NAME` after :func:`register_integrators`.
rush_larsen2 = RushLarsen2()


def register_integrators() -> None:
    """Register :data:`rush_larsen2` with Brian2 as ``"rush_larsen2"`` (idempotent).

    Call it before a group is built with ``method="rush_larsen2"``, in every Python process
    that builds groups (at import of :mod:`hhlif.models.neuron_model`).  The standalone
    devices (cpp, cpp-simd, cuda) generate their code in that process, so nothing else is
    needed for them.

    Raises
    ------
    ValueError
        If a different state updater is already registered under that name.
    """
    existing = StateUpdateMethod.stateupdaters.get(METHOD_NAME)
    if existing is None:
        StateUpdateMethod.register(METHOD_NAME, rush_larsen2)
    elif existing is not rush_larsen2 and type(existing).__qualname__ != RushLarsen2.__qualname__:
        raise ValueError(f"a different Brian2 state updater ({existing!r}) is already"
                         f" registered as {METHOD_NAME!r}")
