"""Errors and warnings raised by :mod:`hhlif.analysis` (each subclasses a built-in)."""

__all__ = ["AnalysisInputError", "AnalysisWarning", "OutputExistsError", "UnsafeFileError"]


class AnalysisInputError(ValueError):
    """Input that cannot be analysed: message names the argument, the value and what was expected."""


class AnalysisWarning(UserWarning):
    """A result is defined but should be read with care (e.g. few spikes)."""


class OutputExistsError(FileExistsError):
    """An output file exists and ``force`` was not given (also raised by :mod:`hhlif.protocols`)."""


class UnsafeFileError(AnalysisInputError):
    """An input file whose reader could execute code (pickle) was refused."""
