"""``python -m results.asv_atomic ARGS``: asv's own command line (``python -m asv ARGS``) with its
JSON writes made atomic (:func:`results.atomic.asv_writes`): a kill or a full disk while asv saves
a results file leaves the file it replaces, never half of it. ``python -m runner`` starts asv so."""
from __future__ import annotations

import sys

from .atomic import asv_writes


def main() -> None:
    from asv.main import main as asv_main

    sys.argv[0] = "asv"
    with asv_writes():
        asv_main()


if __name__ == "__main__":
    main()
