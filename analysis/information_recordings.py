"""Former home of :mod:`hhlif.analysis.information.recordings`; its names, re-exported.

Kept so that ``from hhlif.analysis import information_recordings`` and
``from hhlif.analysis.information_recordings import mi_command`` keep working; new code
imports from :mod:`hhlif.analysis.information` (or its ``recordings`` module).
"""
from .information.recordings import (CONDITION_PROTOCOLS, FROZEN_NOISE_PROTOCOLS, RESPONSES,
                                     binary_words, information_from_recording, mi_command,
                                     parse_quantity, spike_count_responses)

__all__ = ["FROZEN_NOISE_PROTOCOLS", "CONDITION_PROTOCOLS", "RESPONSES", "spike_count_responses",
           "binary_words", "information_from_recording", "parse_quantity", "mi_command"]
