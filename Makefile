# studyguide: `make` installs everything and builds both editions; `make test` runs the tests.

PYTHON  ?= python3
PAPER   ?= a4
VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := .stamps
SLUG    := $(shell sed -n 's/^slug *= *"\(.*\)".*/\1/p' book.toml)
EPUB    := build/$(SLUG).epub
PDF     := build/$(SLUG)$(if $(filter-out a4,$(PAPER)),-$(PAPER)).pdf
HANDOUT := build/$(SLUG)-questions.pdf
SOURCES := book.toml source/article.txt $(wildcard chapters/*.md) $(wildcard glossary/*.md)
CODE    := $(wildcard studyguide/*.py studyguide/templates/* studyguide/styles/*)

.DEFAULT_GOAL := all
.PHONY: all setup epub pdf handout check test lint ace bench clean distclean

all: $(EPUB) $(PDF)

## setup: system packages (Java, fonts, HarfBuzz subsetter, poppler) and the virtualenv
setup: $(STAMPS)/venv

$(STAMPS)/system: scripts/install-system-deps
	@mkdir -p $(STAMPS)
	scripts/install-system-deps
	@touch $@

$(STAMPS)/venv: pyproject.toml $(STAMPS)/system
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# One layout serves both editions: when both are out of date, one command writes both.
$(EPUB) $(PDF) &: $(SOURCES) $(CODE) | $(STAMPS)/venv
	$(BIN)/studyguide build --paper $(PAPER)

epub: | $(STAMPS)/venv
	$(BIN)/studyguide build --epub --paper $(PAPER)

pdf: | $(STAMPS)/venv
	$(BIN)/studyguide build --pdf --paper $(PAPER)

## handout: each chapter's discussion questions, one chapter a page, dated ($(HANDOUT);
## other paper sizes: make handout PAPER=letter → build/$(SLUG)-questions-letter.pdf)
handout: | $(STAMPS)/venv
	$(BIN)/studyguide handout --paper $(PAPER)

check: | $(STAMPS)/venv
	$(BIN)/studyguide check

test: | $(STAMPS)/venv
	$(BIN)/ruff check studyguide tests bench
	$(BIN)/python -m pytest

## ace: DAISY Ace accessibility check of the EPUB (installs Chromium and Ace on first use)
ace: $(EPUB)
	scripts/run-ace $(EPUB)

## bench: every build path timed (median of 5 runs), and books 10 and 100 times the article
bench: | $(STAMPS)/venv
	$(BIN)/python bench/run.py

lint: | $(STAMPS)/venv
	$(BIN)/ruff check studyguide tests bench
	$(BIN)/ruff format --check studyguide tests bench

clean:
	rm -rf build

distclean: clean
	rm -rf $(VENV) $(STAMPS) .pytest_cache .ruff_cache .hypothesis
