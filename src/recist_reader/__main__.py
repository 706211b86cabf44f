"""``python -m recist_reader``: the same as the ``recist-reader`` command."""

import sys

from recist_reader.cli import main

sys.exit(main())
