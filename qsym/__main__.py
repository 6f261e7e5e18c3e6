"""``python -m qsym``: the ``qsym`` command (:mod:`qsym._cli`)."""

import sys

from ._cli import main

sys.exit(main())
