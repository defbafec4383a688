"""The runner of the asv suite in bench/: ``python -m runner`` (``make bench``), the one-command main job.

It starts asv and the comparison processes, holds the results folder's lock, handles Ctrl-C and
SIGTERM, and writes the facts and the report (docs/asv.md); ``python -m runner.gate`` is the
regression gate (docs/gate.md), ``python -m runner.gpu`` the GPU box's checks (docs/multi_device.md).
runner/ imports bench/ (the suite's classes and grids), never the other way round.
"""
