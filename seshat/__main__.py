"""``python -m seshat``."""

import sys

from seshat.cli.main import main

sys.exit(main())
