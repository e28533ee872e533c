"""Safe file output for the simulation side: the one implementation lives in
:mod:`hhlif.analysis.io` (atomic writes that never replace an existing file without
``force``), re-exported here for the protocol modules."""

from hhlif.analysis.io import atomic_output, check_folder, check_output, check_outputs

__all__ = ["atomic_output", "check_folder", "check_output", "check_outputs"]
