# studyguide: `make` installs everything and builds both editions; `make test` runs the tests.

PYTHON  ?= python3
PAPER   ?= a4
# A build is handed to the book's warm process (studyguide/warm.py: one started by the build
# before, which has imported everything), or starts one for the next: `make WARM=` without.
WARM    ?= --warm
VENV    := .venv
BIN     := $(VENV)/bin
STAMPS  := .stamps
# The editions, the files a plain build writes and every source of the book (as
# studyguide.sources.files.source_paths lists them) come from the edition registry, written
# into an included file by the system's Python (no virtualenv needed for that) and written
# again only when the registry changes or a source is added or removed: a `make` with
# nothing to do starts no Python.
SETTINGS := $(STAMPS)/editions-$(PAPER).mk
-include $(SETTINGS)
CODE    := $(shell find studyguide -name '*.py' -o -name '*.j2' -o -name '*.css' -o -name '*.toml')

.DEFAULT_GOAL := all
.PHONY: all setup check proof test lint lock epubcheck ace bench clean distclean FORCE $(EDITIONS)

# A source folder's time changes when a file in it is added or removed, and when an editor
# saves a file by renaming a new one over it: the settings are written again only if the
# folders' entries differ from those they were written from (SOURCE_ENTRIES).
SOURCES_NOW := $(sort $(wildcard $(addsuffix /*,$(SOURCE_FOLDERS))))
SOURCES_MOVED := $(filter-out $(SOURCE_ENTRIES),$(SOURCES_NOW))$(filter-out $(SOURCES_NOW),$(SOURCE_ENTRIES))
$(SETTINGS): . $(wildcard book.toml) $(if $(SOURCES_MOVED),$(SOURCE_FOLDERS)) \
             $(wildcard studyguide/editions/*.py studyguide/editions/*/__init__.py) \
             studyguide/options.py studyguide/sources/files.py
	@PYTHONPATH=. $(PYTHON) -m studyguide.editions --makefile $@ --paper $(PAPER)

all: $(DEFAULT)

## setup: system packages (Java, fonts, HarfBuzz subsetter, poppler) and the virtualenv,
## installed from requirements.lock (exact versions, checked against their hashes)
setup: $(STAMPS)/venv $(STAMPS)/bytecode

$(STAMPS)/system: scripts/install-system-deps
	@mkdir -p $(STAMPS)
	scripts/install-system-deps
	@touch $@

$(STAMPS)/venv: requirements.lock pyproject.toml $(STAMPS)/system
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check --require-hashes --no-deps \
	  --no-compile -r requirements.lock
	$(BIN)/python -m compileall -q -j 0 $(VENV) >/dev/null  # (pip compiles on one core)
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

## lock: resolve pyproject.toml's dependencies again and write requirements.lock, with hashes
lock: | $(STAMPS)/venv
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --all-build-deps \
	  --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o requirements.lock pyproject.toml

# The package's bytecode and its templates', compiled once for every later command (Python
# writes none of its own where PYTHONDONTWRITEBYTECODE is set, and would compile the package
# at each start; a build would compile the templates).
$(STAMPS)/bytecode: $(filter %.py %.j2,$(CODE)) | $(STAMPS)/venv
	@$(BIN)/python -m compileall -q studyguide
	@$(BIN)/python -c "from studyguide.render.markup import compile_package_templates as c; c()"
	@touch $@

# One layout serves both editions: when both are out of date, one command writes both.
$(DEFAULT) &: $(SOURCES) $(CODE) | $(STAMPS)/venv $(STAMPS)/bytecode
	$(BIN)/studyguide build --paper $(PAPER) $(WARM)

## epub, pdf, handout, …: one edition (PAPER=a4|letter|a5 for the print ones)
$(EDITIONS): | $(STAMPS)/venv $(STAMPS)/bytecode
	$(BIN)/studyguide build --$@ --paper $(PAPER) $(WARM)

check: | $(STAMPS)/venv $(STAMPS)/bytecode
	$(BIN)/studyguide check

## proof: the print edition's proof, page by page (PAPER=a4|letter|a5; exit 1 on any fault)
proof: | $(STAMPS)/venv $(STAMPS)/bytecode
	$(BIN)/studyguide proof --paper $(PAPER)

# (pytest keeps the test modules it rewrites for its asserts, where PYTHONDONTWRITEBYTECODE
# would have each run rewrite them: a second a test worker)
test: | $(STAMPS)/venv $(STAMPS)/bytecode
	$(BIN)/ruff check studyguide tests bench
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

## epubcheck, ace: EPUBCheck and DAISY Ace on this book's EPUB, or on any book's:
## make epubcheck EPUB=../other-book/build/other.epub (Ace installs Chromium and Ace on first use)
EPUB ?= $(filter %.epub,$(DEFAULT))
epubcheck: | $(STAMPS)/venv
	@[ "$(EPUB)" != "$(filter %.epub,$(DEFAULT))" ] || $(MAKE) --no-print-directory all
	scripts/run-epubcheck $(EPUB)

ace:
	@[ "$(EPUB)" != "$(filter %.epub,$(DEFAULT))" ] || $(MAKE) --no-print-directory all
	scripts/run-ace $(EPUB)

## bench: every build path timed (median of 5 runs), and books 10 and 100 times the article;
## the preview: save → page reloaded in Chromium
bench: | $(STAMPS)/venv $(STAMPS)/bytecode
	$(BIN)/python bench/run.py
	$(BIN)/python bench/serve.py

lint: | $(STAMPS)/venv
	$(BIN)/ruff check studyguide tests bench
	$(BIN)/ruff format --check studyguide tests bench

clean:
	rm -rf build

distclean: clean
	rm -rf $(VENV) $(STAMPS) .pytest_cache .ruff_cache .hypothesis
