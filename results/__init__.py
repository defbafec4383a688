"""The results: the data model on disk, shared by the runner and the report (above kernels/ only).

- :mod:`results.files`: every file name of a results folder and its layout;
- :mod:`results.asv_json`: asv's JSON read in one place (results files, benchmarks.json,
  asv.conf.json), and values measured outside asv written into asv's results through asv's API;
- :mod:`results.frame`: a results folder as one tidy DataFrame (:func:`results.frame.load_results`),
  its rows made by :mod:`results.rows` with the registry's facts of :mod:`results.registry`;
- :mod:`results.rounds`: which samples of a case came from which round (``jaxbench-rounds.jsonc``);
- :mod:`results.records`: what each measuring process recorded (``jaxbench-comparisons.jsonc``);
- :mod:`results.comparisons`: a commit's comparisons, each pooled once (sides, kinds, point,
  interval, processes): what the runner, asv's ``track_ratio`` values and the report all read;
- :mod:`results.variance_components`: where a comparison's variance lies (Kalibera & Jones) and
  the half-width it aims for;
- :mod:`results.bootstrap`, :mod:`results.median_intervals`, :mod:`results.comparison_stats`: the one
  bootstrap, the intervals of asv's medians over rounds, those of the comparisons over processes;
- :mod:`results.rerun`: how often a re-run's point falls inside an interval, expected and counted;
- :mod:`results.atomic`, :mod:`results.asv_atomic`: every file written whole or not at all, asv's
  own JSON writes included.

Imports nothing of jaxbench/, bench/, runner/ or reports/; importing the package imports nothing.
"""
