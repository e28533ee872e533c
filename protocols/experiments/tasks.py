"""The tasks of ``hhlif equivalence`` by name: a light table (no Brian2, no analysis), so
that the command's help can list them; :mod:`.equivalence` builds and runs them.
"""

__all__ = ["PROTOCOLS", "PROTOCOL_N_MIN"]

PROTOCOLS = {
    "waveform-classes": "one frozen OU current per class (same mean) + private Poisson noise",
    "rate-classes": "one constant current per class + private balanced Poisson noise",
    "ei-classes": "a sparse random E/I network (RandomEI, resized to each n) with Poisson"
                  " drive; one frozen OU current per class into every neuron",
}
#: Smallest network of each task (RandomEI needs two neurons).
PROTOCOL_N_MIN = {"ei-classes": 2}
