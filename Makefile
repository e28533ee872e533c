# Two commands on a fresh machine (see README):  make demo   and   make test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
CONSTRAINTS := constraints.txt
OUT    ?= results

.PHONY: demo test install install-test quick bench clean

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=23" "setuptools>=64" wheel
	touch $@

# Non-editable install: catches a subpackage missing from setup.cfg.
$(VENV)/.installed: $(VENV)/.created setup.cfg pyproject.toml $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) ".[dist]"
	touch $@

$(VENV)/.installed-test: $(VENV)/.created setup.cfg pyproject.toml $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) ".[test,dist,nwb]"
	$(PIP) check
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make demo: install and run the main job (the study) on the default backend, writing results/
demo: $(VENV)/.installed
	$(PIP) install -q --no-deps --force-reinstall .
	$(VENV)/bin/hhlif study --out $(OUT) --force

quick: $(VENV)/.installed
	$(PIP) install -q --no-deps --force-reinstall .
	$(VENV)/bin/hhlif study --quick --out $(OUT) --force

## make test: install with the test extras and run the test suite
test: $(VENV)/.installed-test
	$(PIP) install -q --no-deps --force-reinstall .
	$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

## make bench: the benchmarks (NEST 3.10 via the bench extra), written to benchmarks/RESULTS.md
bench: $(VENV)/.installed
	$(PIP) install -q -c $(CONSTRAINTS) ".[dist,bench,nwb]"
	$(PIP) install -q --no-deps --force-reinstall .
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.analysis_speed --force
	$(PY) -m benchmarks.hh_accuracy --force
	$(PY) -m benchmarks.time_to_solution --force
	$(PY) -m benchmarks.run --only render
	$(PY) -m benchmarks.whole_path --force
	$(PY) -m benchmarks.equivalence_speed --force

clean:
	rm -rf $(VENV) build *.egg-info
