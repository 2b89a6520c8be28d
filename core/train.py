"""``python -m core.train``: kept because the README, CI and users' scripts call it. Code: core/training/train.py."""

import sys

from core.training.train import main

if __name__ == "__main__":
    sys.exit(main())
