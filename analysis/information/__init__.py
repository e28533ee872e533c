"""hhlif.analysis.information: information theory on spike trains, one module per estimator family.

Contents
--------
mutual_information (``_discrete``)
    I(S; R) between one stimulus label and one response symbol (or word) per
    trial, with the bias corrections ``plugin``, ``pt``, ``qe``, ``shuffle``
    and ``nsb`` (:data:`MI_METHODS`, a name -> estimator table) and an optional
    bootstrap confidence interval.
population_information (``_population``)
    I(S; R1..Rk) between the stimulus and the joint response (the word across
    neurons) of several neurons.
entropy, entropy_from_counts, nsb_entropy (``_entropy``)
    Entropy of a sample of symbols (``plugin``, ``mm``, ``pt``, ``nsb``:
    :data:`ENTROPY_METHODS`); the Nemenman-Shafee-Bialek (2002) estimate.
direct_method, plot_extrapolation (``_direct_method``)
    Strong et al. (1998) information rate from repeated presentations of a
    frozen stimulus: total minus noise entropy of spike words, extrapolated to
    infinite data and to long words; bits/s and bits/spike; the figure of the
    extrapolation against 1/word length and 1/data fraction.
coherence_information (``_coherence``)
    Lower bound on the information rate of a continuous stimulus from the
    stimulus-response coherence, -integral log2(1 - coherence) df.
recordings
    From a recording to an estimate: spike counts and binary words of its neurons
    (trials), :func:`information_from_recording` (the estimator the recording's design
    calls for, :func:`hhlif.analysis.recorded_design`) and :func:`mi_command`, the body of
    ``hhlif mi``.
InformationResult, DirectMethodResult, CoherenceInformationResult
    Result dataclasses, each with ``to_dict()`` (JSON-serialisable).

The estimator modules are private (``_x.py``, as in scikit-learn): import their names from
this package. ``_bootstrap`` holds the confidence interval they share. The private names
keep ``hhlif.analysis.information.entropy`` (and ``direct_method``) the functions they were,
not modules of the same name.

Which information, and which estimator
--------------------------------------
He et al. (2024) report mutual information as a variational
information-bottleneck bound, I(Z;X) and I(Z;Y), on trained deep networks.
hhlif computes the neuroscience standard instead: the Shannon information
between a stimulus and the *spike trains* it evokes, estimated from repeated
trials. The two numbers are not comparable.

Which estimator when:

* Discrete stimuli repeated many times (``sweep``, ``step``, ``fi-curve``
  protocols; spike counts in a window): ``pt`` (Panzeri-Treves) is the default;
  it is reliable once there are more trials per stimulus than relevant
  response symbols (N_s >~ R). ``qe`` needs the same regime and also tells, by
  the spread of its fractions, whether the data are enough. ``nsb`` is the
  least biased when responses are sparse (N_s ~ R or fewer, long words); it is
  slower. ``shuffle`` is the conservative choice (it over-corrects when some
  responses never occur for some stimuli). ``plugin`` is only for reference:
  it is biased upward by about (S-1)(R-1) / (2 N ln 2) bits.
* A frozen-noise stimulus repeated over trials: ``direct_method``; check the
  extrapolation figure (``plot_extrapolation``) before quoting a number.
* A continuous stimulus and a rate response (PSTH, population rate):
  ``coherence_information``, a lower bound that is exact for a linear Gaussian
  channel.
* Several neurons: ``population_information`` (words across neurons); the
  number of joint symbols grows fast with k, so prefer ``nsb`` or ``pt`` and
  read the number of response symbols against the number of trials.

References
----------
Each estimator module lists what it cites: Panzeri & Treves (1996) and Panzeri et al. (2007)
for the bias corrections, Strong et al. (1998) for the direct method, Nemenman, Shafee &
Bialek (2002) for NSB, Borst & Theunissen (1999) for the coherence bound.
"""
from ._coherence import CoherenceInformationResult, coherence_information
from ._direct_method import DirectMethodResult, direct_method, plot_extrapolation
from ._discrete import MI_METHODS, InformationResult, mutual_information
from ._entropy import ENTROPY_METHODS, entropy, entropy_from_counts, nsb_entropy
from ._population import population_information
from .declared import DeclaredDesign, PerNeuronInformation
from .recordings import (CONDITION_PROTOCOLS, FROZEN_NOISE_PROTOCOLS, binary_words,
                         information_from_recording, mi_command, parse_quantity,
                         spike_count_responses)

__all__ = [
    # results
    "InformationResult", "DirectMethodResult", "CoherenceInformationResult",
    "PerNeuronInformation", "DeclaredDesign",
    # estimator names
    "MI_METHODS", "ENTROPY_METHODS",
    # estimators
    "mutual_information", "population_information", "entropy", "entropy_from_counts",
    "nsb_entropy", "direct_method", "coherence_information", "plot_extrapolation",
    # recordings
    "FROZEN_NOISE_PROTOCOLS", "CONDITION_PROTOCOLS", "spike_count_responses",
    "binary_words", "information_from_recording", "parse_quantity", "mi_command",
]
