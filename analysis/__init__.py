"""hhlif.analysis: spike-train analysis on Neo objects (Elephant, SciPy); never imports Brian2.

Contents
--------
spike_data
    SpikeData, load_spikes, unpack_spiketrains: one flat representation of any recording;
    read_neo_file: the Blocks of a file, read only with readers that never run its code.
spike_statistics
    Rates, ISI statistics (CV, CV2, LV), Fano factor, PSTH and population rate,
    correlations, distances, synchrony, summarize.
spike_timing
    Coincidence factor, the He et al. (2024) timing errors, compare.
plots
    Raster, rate histogram, ISI distributions, CV-rate scatter, correlation matrix,
    overlaid spike trains.
reports
    analyze and compare_files: the bodies of ``hhlif analyze`` and ``hhlif compare``.
information (subpackage, one module per estimator family)
    Stimulus-response mutual information (plugin, pt, qe, shuffle, nsb), entropy and NSB,
    the direct method, the coherence lower bound, population information; ``recordings``:
    stimulus/response arrays from recordings, information_from_recording (the estimator
    the recording's design calls for) and mi_command, the body of ``hhlif mi``.
    (``information_recordings`` re-exports ``recordings`` under its former name.)
design
    Design and recorded_design: how a recording was made, as its ``design_json``
    annotation says (frozen / time-varying stimulus, trials, condition values with units).
utils
    One copy of the shared helpers: as_time, time_array, check_time, check_choice,
    jsonify, format_table, format_rows.
equivalence
    find_equivalent_size: the smallest candidate size n matching a reference (bracketing then
    bisection, CI over seeds), crossing_size, plot_equivalence.
readout
    LinearReadout (ridge / logistic) and readout_accuracy (stratified cross-validation,
    ``alpha="nested"``: the penalty chosen by nested cross-validation), ridge_path,
    nested_ridge_predictions.
fisher
    Linear Fisher information, bias-corrected (Kanitscheider et al. 2015):
    linear_fisher_information, class_fisher_information.
pool_metrics
    pool_metric_curves: every metric of the first n neurons of one simulated pool, at many
    sizes, with trial-level bootstrap replicates (POOL_METRICS, POOL_BASELINES).
size_curves
    SizeCurves, fit_saturating, equivalent_size (n/N from two fitted metric(n) curves with a
    paired hierarchical bootstrap CI), ratio_drift (does n/N change with N?).
task_metrics
    The metrics of a discrimination task on binned population counts (population_counts,
    response_metrics: mi, readout, reliability; stats_distance, reference_stats_distances;
    spike_statistics and the METRICS tables there: the module's ``spike_statistics``
    function is not re-exported here, the name is the submodule's).
"""
from .spike_data import SpikeData, load_spikes, read_neo_file, unpack_spiketrains
from .identity import Identity, resolve_identity
from .spike_statistics import (
    CorrelationMatrix, FanoFactors, IsiStatistics, SpikeSummary, correlation_matrix,
    cross_correlogram, fano_factors, firing_rates, instantaneous_rate, interspike_intervals,
    isi_statistics, population_rate, psth, spike_train_distances, summarize, synchrony)
from .spike_timing import (
    TimingComparison, coincidence_factor, compare, isi_difference, match_spikes,
    spike_time_error)
from .reports import analyze, compare_files
from .information import (
    CoherenceInformationResult, DeclaredDesign, DirectMethodResult, InformationResult,
    PerNeuronInformation, binary_words,
    coherence_information, direct_method, entropy, entropy_from_counts,
    information_from_recording, mi_command, mutual_information, nsb_entropy, parse_quantity,
    plot_extrapolation, population_information, spike_count_responses)
from .design import Design, recorded_design
from .equivalence import (
    EquivalenceResult, EvaluatedPoint, crossing_size, find_equivalent_size, plot_equivalence)
from .readout import (LinearReadout, NestedRidge, ReadoutResult, nested_ridge_predictions,
                      readout_accuracy, response_features, ridge_path)
from .fisher import class_fisher_information, linear_fisher_information
from .pool_metrics import POOL_BASELINES, POOL_METRICS, PoolCurves, pool_metric_curves
from .size_curves import (SaturatingFit, SizeCurves, SizeRatio, equivalent_size,
                          fit_saturating, ratio_drift)
from .task_metrics import (
    population_counts, reference_stats_distances, response_metrics, stats_distance)

__all__ = [
    # spike_data
    "SpikeData", "load_spikes", "read_neo_file", "unpack_spiketrains",
    # identity
    "Identity", "resolve_identity",
    # spike_statistics
    "CorrelationMatrix", "FanoFactors", "IsiStatistics", "SpikeSummary", "correlation_matrix",
    "cross_correlogram", "fano_factors", "firing_rates", "instantaneous_rate",
    "interspike_intervals", "isi_statistics", "population_rate", "psth",
    "spike_train_distances", "summarize", "synchrony",
    # spike_timing
    "TimingComparison", "coincidence_factor", "compare", "isi_difference", "match_spikes",
    "spike_time_error",
    # reports
    "analyze", "compare_files",
    # information
    "CoherenceInformationResult", "DirectMethodResult", "InformationResult",
    "DeclaredDesign", "PerNeuronInformation",
    "coherence_information", "direct_method", "entropy", "entropy_from_counts",
    "mutual_information", "nsb_entropy", "plot_extrapolation", "population_information",
    # information.recordings
    "binary_words", "information_from_recording", "mi_command", "parse_quantity",
    "spike_count_responses",
    # design
    "Design", "recorded_design",
    # equivalence
    "EquivalenceResult", "EvaluatedPoint", "crossing_size", "find_equivalent_size",
    "plot_equivalence",
    # readout
    "LinearReadout", "NestedRidge", "ReadoutResult", "nested_ridge_predictions",
    "readout_accuracy", "response_features", "ridge_path",
    # fisher
    "class_fisher_information", "linear_fisher_information",
    # pool_metrics
    "POOL_BASELINES", "POOL_METRICS", "PoolCurves", "pool_metric_curves",
    # size_curves
    "SaturatingFit", "SizeCurves", "SizeRatio", "equivalent_size", "fit_saturating",
    "ratio_drift",
    # task_metrics
    "population_counts", "reference_stats_distances", "response_metrics", "stats_distance",
]
