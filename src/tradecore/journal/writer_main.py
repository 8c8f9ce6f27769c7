"""Entry point of the journal writer process: ``python -m tradecore.journal.writer_main``."""

import sys

from tradecore.journal.writer import main

sys.exit(main())
