"""CUDA code generation without a GPU: ``run(..., backend='cuda', generate_only=True)``
writes brian2cuda's sources (compiling and running them needs nvcc and a GPU; that is
measured by ``python -m benchmarks.run --gpu`` on a GPU machine, see benchmarks/RESULTS.md).

brian2cuda 1.0b1 needs brian2 2.10.1 (Python >= 3.12); brian2cuda 1.0a7 pins brian2 2.8.0,
which conflicts with the brian2 2.9 pinned for Python 3.11.  Where brian2cuda cannot be
imported these tests are skipped, with that reason.
"""

import importlib.util
from pathlib import Path

import pytest
from brian2 import cm, ms, uA

from hhlif.protocols import Protocol, run, stimuli as S

pytestmark = pytest.mark.cuda


def _brian2cuda_or_skip():
    if importlib.util.find_spec("brian2cuda") is None:
        pytest.skip("brian2cuda is not installed (the `cuda` extra: brian2cuda 1.0b1 needs"
                    " brian2 2.10.1 and Python >= 3.12; 1.0a7 pins brian2 2.8.0, which conflicts"
                    " with the brian2 2.9 pinned for Python 3.11)")
    try:
        import brian2cuda  # noqa: F401
    except Exception as exc:  # an incompatible brian2 raises at import; say which
        pytest.skip(f"brian2cuda does not import with this brian2: {exc!r}")


@pytest.fixture
def cuda_prefs():
    """No GPU detection: GPU 0 with compute capability 9.0 (Hopper), restored after."""
    _brian2cuda_or_skip()
    from brian2 import prefs

    backend = prefs.devices.cuda_standalone.cuda_backend
    saved = (backend.detect_gpus, backend.gpu_id, backend.compute_capability)
    backend.detect_gpus, backend.gpu_id, backend.compute_capability = False, 0, 9.0
    yield
    backend.detect_gpus, backend.gpu_id, backend.compute_capability = saved


@pytest.mark.parametrize("model", ["hh", "lif"])
def test_cuda_sources_are_generated(model, cuda_prefs):
    p = Protocol(model=model, stimulus=S.Constant(10 * uA / cm**2), duration=5 * ms, trials=4)
    build = run(p, backend="cuda", generate_only=True)
    assert build.backend == "cuda" and build.generate_only and build.compiled == 0
    directory = Path(build.directory)
    sources = {f.name for f in (directory / "code_objects").glob("*.cu")}
    assert "neurons_stateupdater_codeobject.cu" in sources
    assert (directory / "makefile").exists()
    assert "__global__" in (directory / "code_objects" /
                            "neurons_stateupdater_codeobject.cu").read_text()
