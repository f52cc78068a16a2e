# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: install run test test-postgres bench lint clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## Start the service on SQLite: migrations, seed, web, worker (and the LINE simulator
## when no LINE credentials are set). Open http://127.0.0.1:8081 to chat with the bot.
run: install
	$(PY) scripts/run_local.py

## The whole suite on SQLite; set TEST_DATABASE_URL=postgresql://... to run it on PostgreSQL.
test: install
	bash scripts/ensure_browser.sh
	$(PY) -m pytest -q -p no:cacheprovider

test-postgres: install
	TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres $(PY) -m pytest -q -p no:cacheprovider

## Speed and memory figures (printed, never asserted).
bench: install
	$(PY) bench/bench_intents.py
	$(PY) bench/bench_referral.py
	$(PY) bench/bench_webhook.py
	$(PY) bench/bench_staff.py
	$(PY) bench/bench_sender.py
	$(PY) bench/bench_events.py
	$(PY) bench/bench_worker.py --statements
	$(PY) bench/bench_surge.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
