"""The ``cuda`` backend: brian2cuda's ``cuda_standalone`` (the ``cuda`` extra, nvcc, a GPU)."""

from __future__ import annotations

import importlib.util
import os
import shutil

from hhlif.protocols.backends.standalone import StandaloneBackend

__all__ = ["CudaBackend"]


class CudaBackend(StandaloneBackend):
    """brian2cuda's CUDA standalone device in hhlif's locked build directories.

    Code generation works without a GPU (``run(..., generate_only=True)``), compiling needs
    nvcc and running a GPU.
    """

    name = "cuda"
    description = "brian2cuda CUDA standalone (GPU)"
    device_name = "cuda_standalone"
    accepts_run_args = False

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("brian2cuda") is None:
            return ("brian2cuda is not installed; install the extra with `pip install"
                    " hhlif[cuda]` (Python >= 3.12 for brian2cuda 1.0b1)")
        if shutil.which("nvcc") is None and not os.environ.get("CUDA_PATH"):
            return ("nvcc (the CUDA compiler) was not found on PATH; install the CUDA toolkit"
                    " or set CUDA_PATH")
        return None

    def _prepare_device(self) -> None:
        import brian2cuda  # noqa: F401  (registers the cuda_standalone device)
