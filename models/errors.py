"""Errors and warnings raised by hhlif (each subclasses a built-in exception type).

:mod:`hhlif.protocols` re-uses these and adds its own (``hhlif.protocols.errors``:
divergence, unavailable backends, interrupted runs); :mod:`hhlif.analysis` has its own
module (``hhlif.analysis.errors``) because analysis never imports the simulation side.
"""

__all__ = [
    "HhlifWarning",
    "UnknownNameError",
    "ParameterError",
    "ParameterUnitError",
]


class HhlifWarning(UserWarning):
    """Something the user should know about; the test-suite turns these into errors."""


class UnknownNameError(ValueError):
    """An unknown model, protocol, backend or parameter name; the message lists the valid ones."""


class ParameterError(ValueError):
    """A parameter value out of range (non-positive duration, NaN, ...)."""


class ParameterUnitError(ParameterError, TypeError):
    """A parameter given with the wrong physical dimensions."""
