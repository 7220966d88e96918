# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run run-postgres test lint typecheck clean install translations bench browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench,server]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/diktum validate definitions/*.yaml
	$(BIN)/diktum init --demo
	$(BIN)/diktum serve --host 127.0.0.1 --port 5000

# The scale-out set-up on one machine: gunicorn (no scheduler) and two `diktum worker`
# processes, one active and one standing by, on PostgreSQL (the Procfile, run by honcho).
# Loopback only, so the session cookie may go over plain http here.
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/diktum
run-postgres: $(STAMP)
	psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'diktum'" \
		| grep -q 1 || createdb -h 127.0.0.1 -U postgres diktum
	DIKTUM_DATABASE_URL=$(PG_URL) $(BIN)/diktum validate definitions/*.yaml
	DIKTUM_DATABASE_URL=$(PG_URL) $(BIN)/diktum init --demo
	PATH="$(CURDIR)/$(BIN):$$PATH" DIKTUM_DATABASE_URL=$(PG_URL) \
		DIKTUM_SECRET_KEY="$${DIKTUM_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')}" \
		DIKTUM_SESSION_COOKIE_SECURE=false DIKTUM_REMEMBER_COOKIE_SECURE=false \
		$(BIN)/honcho start -f Procfile -p 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) browser lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium (Playwright's own browser download is not
# used): `make test` installs it when it is missing, as root or through sudo, and says
# plainly what to do where it cannot.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "make test: installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u 2>/dev/null)" = 0 ]; then sudo=""; \
		elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
		else echo "make test: chromium is missing and only root can install it: run 'apt-get install chromium' as root" >&2; exit 1; fi; \
		{ command -v apt-get >/dev/null 2>&1 && $$sudo apt-get update -qq \
			&& $$sudo apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "make test: could not install chromium: install Debian's 'chromium' package (apt-get install chromium) and run make test again" >&2; exit 1; }; \
	}

# Every benchmark at sizes a 2-core machine runs in under an hour; the results go into the
# README's performance table, every figure into instance/bench-results.json. BENCH_ARGS
# adds options, e.g. BENCH_ARGS='--database-url postgresql://postgres@127.0.0.1:5432/test'.
bench: $(STAMP)
	mkdir -p instance
	$(BIN)/diktum bench all --readme README.md --output instance/bench-results.json $(BENCH_ARGS)

# Re-extract the messages, merge them into the catalogs, compile them. The UI is written
# in Indonesian (domain `messages`, translated to English); the engine's messages are
# English `Text("...")` (domain `engine`, translated to Indonesian). New msgids arrive
# untranslated: fill them in web/translations/en/LC_MESSAGES/messages.po or
# web/translations/id/LC_MESSAGES/engine.po and run this again
# (tests/test_translations.py fails while any is missing).
TRANSLATIONS := web/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --add-location=file \
		--project=Diktum --no-wrap --sort-output -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l en \
		--init-missing --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l en --statistics
	$(BIN)/pybabel extract --no-default-keywords -k Text --add-location=file \
		--project=Diktum --no-wrap --sort-output -o $(TRANSLATIONS)/engine.pot workflow engine
	$(BIN)/pybabel update -D engine -i $(TRANSLATIONS)/engine.pot -d $(TRANSLATIONS) -l id \
		--init-missing --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel compile -D engine -d $(TRANSLATIONS) -l id --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
