"""Recordings: what a run produced (spikes, sampled signals, provenance) and its files.

recording   :class:`Recording`, :class:`PopulationData`, :class:`Signal` (data, no IO)
neo         to and from Neo objects; NIX files (:func:`write_nix`, :func:`read_nix`)
nwb         NWB files (:func:`write_nwb`, :func:`read_nwb`; pynwb, the ``nwb`` extra)
"""

from hhlif.protocols.recordings.recording import PopulationData, Recording, Signal  # noqa: F401
from hhlif.protocols.recordings.neo import from_neo, read_nix, to_neo, write_nix  # noqa: F401
from hhlif.protocols.recordings.nwb import read_nwb, write_nwb  # noqa: F401
