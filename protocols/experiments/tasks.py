"""The tasks of ``hhlif equivalence`` by name: a light table (no Brian2, no analysis), so
that the command's help can list them; :mod:`.equivalence` builds and runs them.
"""

__all__ = ["PROTOCOLS", "PROTOCOL_N_MIN", "CLASS_TASK_NAMES"]

PROTOCOLS = {
    "waveform-classes": "one frozen OU current per class (same mean) + private Poisson noise",
    "rate-classes": "one constant current per class + private balanced Poisson noise",
    "ei-classes": "a sparse random E/I network (RandomEI, resized to each n) with Poisson"
                  " drive; one frozen OU current per class into every neuron",
}
#: The class-stimulus tasks of :mod:`.class_tasks` (names only: their modules import
#: Brian2 units; a test checks this list against the registry).
CLASS_TASK_NAMES = ("rebound-classes", "resonance-classes", "onset-classes", "precision")
#: Smallest network of each task (RandomEI needs two neurons).
PROTOCOL_N_MIN = {"ei-classes": 2}
