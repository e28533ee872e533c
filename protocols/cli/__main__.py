"""``python -m hhlif.protocols.cli``: the ``hhlif`` command."""

import sys

from hhlif.protocols.cli.main import main

sys.exit(main())
