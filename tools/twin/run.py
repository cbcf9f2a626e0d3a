"""Launcher entry: `python -I tools/twin/run.py aws|random` (what the mirror's scripts exec)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twin.server import main  # noqa: E402

sys.exit(main())
