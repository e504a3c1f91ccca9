# Quick start:  make demo  (platform on SQLite with demo data)   make test  (the whole test suite)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test install lint format translations browser clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

# Each catalog is compiled when its .po changes, so two test runs started together (CI runs the
# SQLite and PostgreSQL passes side by side) never rewrite a .mo the other is reading.
CATALOGS := $(wildcard placement/translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGS:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

demo: install
	$(BIN)/placement serve --demo

# Chromium comes from Debian's packages; the browser tests are skipped (and say so) without it,
# except under CI=true, where they must run.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; fi

test: install browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Extract new messages and merge them into the four catalogs (translators then fill them in).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project=Homeward -o placement/translations/messages.pot . >/dev/null
	for l in en fr es ar; do $(BIN)/pybabel update --no-fuzzy-matching \
		-i placement/translations/messages.pot -d placement/translations -l $$l; done
