# 学会服务站管理平台 — `make help` lists the targets.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SYSTEM_PACKAGES := fonts-wqy-microhei fonts-hanazono chromium poppler-utils nodejs
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test testtools install sysdeps lint format migrate demo check backup restore bench pentest

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools

sysdeps: ## Install the system packages the suite needs (CJK fonts incl. the Extension A–F fallback, chromium, poppler) when missing
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

migrate: $(STAMP) ## Apply migrations to the configured database (SQLite by default)
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the demo data and demo logins (safe to repeat)
	$(PY) manage.py load_demo

run: demo ## Install, migrate, load demo data and serve on http://127.0.0.1:8000
	$(PY) manage.py runserver $(HOST):$(PORT)

AXE := tools/node_modules/axe-core/axe.min.js
$(AXE): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

testtools: $(AXE) ## Install the browser tests' tooling (axe-core, pinned in tools/package.json; never served)

test: $(STAMP) sysdeps testtools ## Install and run the whole suite (uses DATABASE_URL / CELERY_BROKER_URL when set)
	$(VENV)/bin/pytest

lint: $(STAMP) ## ruff check + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## Format the code with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

BACKUP_DIR ?= var/backups
MEDIA_ROOT ?= var/media
backup: ## Dump DATABASE_URL (pg_dump -Fc, grants kept) and MEDIA_ROOT to $(BACKUP_DIR)/ssp-<time>.{dump,media.tar.gz}
	@test -n "$$DATABASE_URL" || { echo "DATABASE_URL is not set (backup needs PostgreSQL)"; exit 2; }
	@mkdir -p $(BACKUP_DIR)
	@stamp=$(BACKUP_DIR)/ssp-$$(date -u +%Y%m%dT%H%M%SZ); \
	  mkdir -p "$(MEDIA_ROOT)" && tar -czf "$$stamp.media.tar.gz" -C "$(MEDIA_ROOT)" . && echo "$$stamp.media.tar.gz" && \
	  pg_dump --format=custom --no-owner --file="$$stamp.dump" "$$DATABASE_URL" && echo "$$stamp.dump"

restore: ## Restore FILE=<dump> into DATABASE_URL (replaces its tables, keeps grants) and its .media.tar.gz into MEDIA_ROOT
	@test -n "$$DATABASE_URL" || { echo "DATABASE_URL is not set"; exit 2; }
	@test -f "$(FILE)" || { echo "usage: make restore FILE=var/backups/ssp-….dump [MEDIA=…media.tar.gz]"; exit 2; }
	pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction \
	  --dbname="$$DATABASE_URL" "$(FILE)"
	@media="$(or $(MEDIA),$(FILE:.dump=.media.tar.gz))"; \
	  if [ -f "$$media" ]; then mkdir -p "$(MEDIA_ROOT)" && tar -xzf "$$media" -C "$(MEDIA_ROOT)" && echo "media restored into $(MEDIA_ROOT)"; \
	  else echo "no media archive $$media: uploaded files not restored"; fi

check: $(STAMP) ## Django system checks, including the production deploy checks
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) FIELD_ENCRYPTION_KEYS=$$(head -c 32 /dev/urandom | base64) ALLOWED_HOSTS=ssp.example.cn CACHE_URL=redis://127.0.0.1:6379/1 \
	  $(PY) manage.py check --deploy --fail-level WARNING

BENCH_SCALE ?= 1.0
bench: $(STAMP) ## Build the province-scale data set in PostgreSQL (DATABASE_URL) and print the performance figures (BENCH_SCALE=1.0 → 20,000 stations)
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make bench needs DATABASE_URL=postgres://… (an empty database of its own)"; exit 2;; esac
	$(PY) manage.py migrate --noinput
	DEBUG=0 $(PY) manage.py collectstatic --noinput -v0
	DEBUG=0 $(PY) manage.py bench --scale $(BENCH_SCALE)

pentest: demo ## sqlmap (from PyPI) against the list pages of a local server, logged in; slow, not in CI
	$(PY) -m pip install --quiet "sqlmap>=1.8,<2"
	$(PY) tools/pentest.py
