# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
NODE    = node_modules/.package-lock.json
MO      = proctor/translations/zh_Hans_CN/LC_MESSAGES/messages.mo
PO      = proctor/translations/zh_Hans_CN/LC_MESSAGES/messages.po
HOST   ?= 0.0.0.0
PORT   ?= 5000

.PHONY: run test setup lint typecheck bench translations clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

$(MO): $(PO) $(STAMP)
	$(VENV)/bin/pybabel compile -d proctor/translations -D messages >/dev/null

# Front-end libraries, pinned by package-lock.json, served by Flask from node_modules (no CDN).
$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP) $(MO) $(NODE)

## make run: install, migrate, seed the demo once, serve on http://127.0.0.1:5000/
run: setup
	$(PY) run.py --demo --host $(HOST) --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy incidents

## make test: install what tests need and run them all (lint and types included)
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

## make bench: every benchmark against its floor, one after another (they share 2 cores);
## exits non-zero when any target is missed, after all of them have run
BENCHES = bench bench.ingest bench.page_load bench.board bench.eligibility bench.logins bench.live bench.analytics bench.patterns bench.seating bench.identity
bench: setup
	@failed=""; for b in $(BENCHES); do echo "== python -m $$b"; \
	  $(PY) -m $$b || failed="$$failed $$b"; echo; done; \
	  if [ -n "$$failed" ]; then echo "targets missed in:$$failed"; exit 1; fi

translations: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o proctor/translations/messages.pot .
	$(VENV)/bin/pybabel update -i proctor/translations/messages.pot -d proctor/translations

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
