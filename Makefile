VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench bench-large bench-exact notebooks clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/clifflasso fit --example mirrors --plot mirrors_fit.png

test: $(STAMP)
	$(PY) -m pytest -n 2 -q tests --nbmake notebooks

lint: $(STAMP)
	$(VENV)/bin/ruff check clifflasso tests benchmarks scripts

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

notebooks: $(STAMP)
	$(PY) scripts/run_notebooks.py

$(VENV)/.bench-installed: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/run.py

bench-large: $(STAMP)
	$(PY) benchmarks/large_streamed_fit.py

bench-exact: $(STAMP)
	$(PY) benchmarks/exact_path.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info docs/_build
