"""``python -m core.score``: kept because the README, CI and users' scripts call it. Code: core/scoring/cli.py."""

import sys

from core.scoring.cli import main

if __name__ == "__main__":
    sys.exit(main())
