# The two commands readers need: `make book` and `make test`. See README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VENDOR := book/_static/vendor
JCACHE := _build/.jupyter_cache
# The executed copies of today's chapters only: a renamed chapter leaves its old copy in _build.
EXECUTED := $(patsubst book/%,_build/jupyter_execute/book/%,$(wildcard book/*.ipynb))
# Debian's Chromium drives the browser tests and prints the PDF.
CHROMIUM := $(or $(OPTIM_CHROMIUM),/usr/bin/chromium)

.PHONY: setup book pdf lab student test lint bench clean

setup: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -c constraints.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# JavaScript the site serves itself (MathJax, require.js, the widget manager), from the npm registry.
$(VENDOR)/.done: js/package.json js/package-lock.json scripts/vendor_js.sh
	bash scripts/vendor_js.sh $(VENDOR)
	touch $@

# Playgrounds emit only their static HTML while the book is built (see optim_core/playground.py).
# The notebooks are first executed one per core into Jupyter Book's execution cache (see
# scripts/execute_notebooks.py); the build then takes them from there. Unchanged notebooks are not
# executed again. Then the pages are made fast to open (math typeset at build time, scripts deferred,
# figure sizes, stylesheet bundles, a small icon font; see scripts/postprocess_html.mjs).
book: $(STAMP) $(VENDOR)/.done
	OPTIM_CORE_STATIC_PLAYGROUNDS=1 $(PY) scripts/execute_notebooks.py $(JCACHE) book/*.ipynb
	OPTIM_CORE_STATIC_PLAYGROUNDS=1 $(VENV)/bin/jupyter-book build -W -n --keep-going .
	node scripts/postprocess_html.mjs _build/html

# The whole book as one PDF, _build/pdf/optimizers-computed.pdf: the single-page build (notebooks from
# the same cache) printed by Chromium, with book/_static/print.css. See scripts/book_pdf.py.
pdf: book
	OPTIM_CORE_STATIC_PLAYGROUNDS=1 $(VENV)/bin/jupyter-book build -W -n --keep-going --builder singlehtml .
	$(PY) scripts/book_pdf.py

lab: $(STAMP)
	$(VENV)/bin/jupyter lab book/

# The student edition: notebooks without solutions, with optim_core, as one zip (see scripts/student_edition.py).
# It uses the standard library only, so it needs no virtual environment.
student:
	python3 scripts/student_edition.py _build/student

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check optim_core tests benchmarks

# Everything in one pytest run: unit, property, parity and chapter tests, the browser tests of the
# built site, and nbval on every chapter. nbval runs the notebooks as the build executed them
# (_build/jupyter_execute), so each cell must again produce the same text output: a second,
# independent execution that also proves the notebooks deterministic (figures are not compared).
# `pdf` builds the book first; without Chromium only the book is built and tests/test_pdf.py skips.
test: $(STAMP)
	$(MAKE) lint
	$(MAKE) $(if $(wildcard $(CHROMIUM)),pdf,book)
	OPTIM_CORE_STATIC_PLAYGROUNDS=1 $(PY) -m pytest -n 2 --dist loadfile \
		tests --nbval --nbval-current-env $(EXECUTED)

# The benchmarks compare against torch.optim, so torch is installed first (a maintainer's command).
bench: $(STAMP)
	$(PY) -m pip install -q -r requirements-torch.txt
	cd benchmarks/js && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	$(PY) -m benchmarks

clean:
	rm -rf _build $(VENDOR) js/node_modules benchmarks/js/node_modules .pytest_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +
