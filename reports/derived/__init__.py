"""Derived columns: what the report works out from the tidy rows of :mod:`results.frame`, once per
build (:mod:`reports.context`), for every section to read: speedups, rates and transfer times
(:mod:`.speedup`), the limits "% of peak" divides by (:mod:`.limits`), the instability flags
(:mod:`.flags`) and what a run did not measure, and why (:mod:`.coverage`)."""
