"""The report, as a list of sections, in the order of its page (benchopt-style: one file each).

Each section is a small class with a ``name`` (its anchor on the page), a ``title`` (its heading)
and ``part(ctx)``, which turns the report's context (:mod:`reports.context`) into tables, figures
and notes (:class:`reports.parts.Part`); :mod:`reports.render` writes them all. A section whose
part goes on another section's page says so with ``anchor`` (the ladder: on the lecture's).
Adding a section is one file here and one line in :data:`SECTIONS`. A section that needs more than
one file is a folder: the lecture's (its two sections, its figures file reader, its case lookup
and its tables) and the health's (its checks, the variance check and ``python -m reports --health``).
"""


def __getattr__(name: str):
    """:data:`SECTIONS`, the sections in the order of the page, made on first use: importing one
    section (``python -m reports --health`` imports the health's) does not import the others and
    their figures (matplotlib) (PEP 562)."""
    if name != "SECTIONS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .data import Data
    from .devices import Devices
    from .facts import Facts
    from .health import Health
    from .history import History
    from .kernels import Kernels
    from .lecture import Ladder, Lecture
    from .machines import Machines
    from .placement import Placement
    from .problems import Problems
    from .scaling import Scaling
    from .speedup import Speedup
    from .summary import Summary

    global SECTIONS
    SECTIONS = (Lecture(), Ladder(), Facts(), Problems(), Health(), Summary(), Speedup(), Scaling(), Placement(),
                Machines(), History(), Devices(), Kernels(), Data())
    return SECTIONS


__all__ = ["SECTIONS"]
