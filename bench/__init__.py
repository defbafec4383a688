"""The asv suite (asv's benchmark_dir): thin classes over the case registry in ``kernels/``.

``bench/common.py`` turns registry cases into asv params; ``bench/bench_<kernel>.py`` holds one
kernel each; ``python -m bench`` is the one-command main job (see docs/asv.md).
Nothing here imports JAX at import time except through the registry's kernel modules.
"""
