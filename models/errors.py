"""Errors and warnings raised by hhlif (each subclasses a built-in exception type).

:mod:`hhlif.protocols` re-uses these; :mod:`hhlif.analysis` has its own module
(``hhlif.analysis.errors``) because analysis never imports the simulation side.
"""

__all__ = [
    "HhlifWarning",
    "UnknownNameError",
    "ParameterError",
    "ParameterUnitError",
    "DivergenceError",
    "BackendUnavailableError",
    "ProtocolScriptError",
    "IncompleteRunError",
    "RunInterrupted",
]


class HhlifWarning(UserWarning):
    """Something the user should know about; the test-suite turns these into errors."""


class UnknownNameError(ValueError):
    """An unknown model, protocol, backend or parameter name; the message lists the valid ones."""


class ParameterError(ValueError):
    """A parameter value out of range (non-positive duration, NaN, ...)."""


class ParameterUnitError(ParameterError, TypeError):
    """A parameter given with the wrong physical dimensions."""


class DivergenceError(FloatingPointError):
    """The integration produced NaN/inf: the time step is too large for the dynamics."""


class BackendUnavailableError(RuntimeError):
    """A backend cannot run here (missing compiler, brian2cuda or nvcc)."""


class ProtocolScriptError(ValueError):
    """A protocol script failed to import or defines no usable protocol."""


class IncompleteRunError(RuntimeError):
    """A simulation stopped before the protocol's duration: its results are not saved, cached
    or analysed."""


class RunInterrupted(KeyboardInterrupt):
    """The user interrupted a run (SIGINT): nothing was written or cached; the CLI exits 130."""
