"""``python -m qsym``: the ``qsym`` command (:mod:`qsym.cli`)."""

import sys

from .cli import main

sys.exit(main())
