"""The asv suite (asv's benchmark_dir): thin classes over the case registry in ``kernels/``.

``bench/common.py`` turns registry cases into asv params; ``bench/bench_<kernel>.py`` holds one
kernel each; ``bench/paired_suite.py`` the comparisons' ``track_ratio`` classes. The suite starts
no processes, parses no command line and never imports the runner (``python -m runner``, runner/:
see docs/asv.md). Nothing here imports JAX at import time except through the registry's kernel modules.
"""
