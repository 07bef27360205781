"""``python -m cxkit``: the ``cxkit`` command."""

import sys

from cxkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
