"""Experiments: named protocols and the computations built on runs.

library       the built-in protocols (step, fi-curve, frozen-noise, ...), registered explicitly
networks      network protocols (random E/I, the seed's XOR)
waveforms     the seed's Fig. 3 waveform comparison (returns a result, prints nothing)
equivalence   neuron-count equivalence tasks, metrics and the size search
sweeps        parameter sweeps: cache, Dask scheduling
study         the whole study: every section, its report and figures
scripts       loading a user's protocol script
"""
