"""The ``hhlif`` command: parses arguments, calls the experiments, prints and writes.

Nothing in hhlif imports this package; it imports everything.
"""

from hhlif.protocols.cli.main import main  # noqa: F401
from hhlif.protocols.cli.scripts import main_for_script  # noqa: F401,E402
