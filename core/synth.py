"""``python -m core.synth``: kept because the README, CI and users' scripts call it. Code: core/synthetic/."""

import sys

from core.synthetic.cli import main

if __name__ == "__main__":
    sys.exit(main())
