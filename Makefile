# cfiam.user_groups — developer and CI entry points.
#
#   make test      every quality gate, one after another, then a summary (what CI runs)
#   make help      the list of targets
#
# Every target creates what it needs (.venv, .build/...) from nothing, so
# `make <target>` works in a fresh clone. docs/development.md explains each gate.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT        := $(CURDIR)
PYTHON      ?= python3
VENV        := $(ROOT)/.venv
BIN         := $(VENV)/bin
VENV_STAMP  := $(VENV)/.cfiam-dev-stamp

# Oldest supported ansible-core (meta/runtime.yml requires_ansible >= 2.16.0).
COMPAT_CORE  ?= ansible-core>=2.16.0,<2.17
COMPAT_VENV  := $(ROOT)/.venv-2.16
COMPAT_BIN   := $(COMPAT_VENV)/bin
COMPAT_STAMP := $(COMPAT_VENV)/.cfiam-compat-stamp

# Newest ansible-core (2.21.x; 2.20 and later need Python >= 3.12, which is not the active
# interpreter): the integration suite (`compat-latest`) and ansible-test sanity
# (`sanity-latest`) run again with it. Its venv is built with the first usable interpreter of
# LATEST_PYTHONS that scripts/find_python.sh finds (python3.X on PATH, else pyenv's
# versions/3.X.*); set LATEST_PYTHON=/path/to/python3.X to choose one yourself.
LATEST_CORE    ?= ansible-core>=2.21,<2.22
LATEST_PYTHONS ?= 3.12 3.13
LATEST_PYTHON  ?=
LATEST_VENV    := $(ROOT)/.venv-2.21
LATEST_BIN     := $(LATEST_VENV)/bin
LATEST_STAMP   := $(LATEST_VENV)/.cfiam-latest-stamp

# galaxy-importer (Galaxy's and Automation Hub's upload checks) in a venv of its own: it requires attrs<24,
# which would downgrade attrs in .venv (requirements-galaxy-importer.txt).
IMPORTER_VENV  := $(ROOT)/.venv-galaxy-importer
IMPORTER_BIN   := $(IMPORTER_VENV)/bin
IMPORTER_STAMP := $(IMPORTER_VENV)/.cfiam-importer-stamp

# What the compat venvs (.venv-2.16, .venv-2.21) hold besides ansible-core and requirements.txt:
# exactly what tests/integration needs. molecule, ansible-lint & co. stay in .venv only.
# cryptography<51: see requirements-dev.txt (ansible-core 2.21 imports the DSA names cryptography 51 deprecates).
COMPAT_TEST_DEPS := requests pytest pytest-xdist openapi-core 'ansible-runner>=2.4,<3' 'cryptography<51'

BUILD       := $(ROOT)/.build
COLL_PATH   := $(BUILD)/collections
COLL_LINK   := $(COLL_PATH)/ansible_collections/cfiam/user_groups
AT_ROOT     := $(BUILD)/ansible-test
AT_COLL     := $(AT_ROOT)/ansible_collections/cfiam/user_groups
DIST        := $(BUILD)/dist
EE_DIR      := $(BUILD)/ee
# A suite that finds nothing to test writes the reason here; `make test` reports it as SKIP.
SKIPPED     := $(BUILD)/skipped
FQCN        := cfiam.user_groups

# Python version ansible-test runs its tests with: the dev venv's interpreter
# (and, for sanity-latest, .venv-2.21's).
AT_PYTHON        = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
LATEST_AT_PYTHON = $(shell $(LATEST_BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# ansible-test sanity tests skipped on purpose (each needs a reason; see docs/development.md):
#   (none so far)
SANITY_SKIP ?=
SANITY_ARGS ?=
# The other controller Pythons of ansible-core 2.19 (3.11-3.13; the code runs in the controller only,
# tests/config.yml): ansible-test's `compile` and `import` sanity tests run once per version (the full
# sanity run is on AT_PYTHON). The interpreter is what scripts/find_python.sh finds (python3.X on PATH,
# else pyenv's versions/3.X.*); a version with no interpreter here is reported, not run.
SANITY_EXTRA_PYTHONS ?= 3.12 3.13
PYENV_ROOT ?= $(HOME)/.pyenv
# ansible-test (sanity, units) and molecule share state (.build/ansible-test, molecule's
# scenario state): one run at a time per checkout, later ones wait for the lock.
LOCK = flock $(BUILD)/$(1).lock
PYTEST_WORKERS ?= 2

# Tools from the dev venv come first; collections resolve from the checkout via the symlink.
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLL_PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Suites `make test` runs, cheapest first. All of them run even if one fails.
TEST_SUITES := changelog-lint lint docs-lint build galaxy-importer ee test-pytest units sanity sanity-latest molecule \
               compat compat-latest

PYTEST_DIRS    = $(wildcard tests/emulator tests/unit tests/integration)

define banner
	@printf '\n\033[1m==== %s ====\033[0m\n' "$(1)"
endef

.PHONY: help venv importer-venv collection ansible-test-tree demo emulator emulator-log docs test $(TEST_SUITES) compat-venv \
        latest-venv ansible-test-bootstrap clean clean-all

help: ## list targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  %-24s %s\n", $$1, $$2 }'

# --------------------------------------------------------------------------- environments

venv: $(VENV_STAMP) ## create .venv with requirements-dev.txt (idempotent)

$(VENV_STAMP): requirements-dev.txt requirements.txt
	$(call banner,venv: $(VENV))
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.txt
	@$(BIN)/python -m pip check || echo "WARNING: pip check reports conflicts (see above)"
	@touch $@

compat-venv: $(COMPAT_STAMP) ## create .venv-2.16 (oldest supported ansible-core)

$(COMPAT_STAMP): requirements.txt Makefile
	$(call banner,compat venv: $(COMPAT_VENV) with $(COMPAT_CORE))
	@test -x $(COMPAT_BIN)/python || $(PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_BIN)/python -m pip install --upgrade pip
	$(COMPAT_BIN)/python -m pip install '$(COMPAT_CORE)' -r requirements.txt $(COMPAT_TEST_DEPS)
	@echo "compat-venv: ansible-core $$($(COMPAT_BIN)/python -c 'import ansible.release as r; print(r.__version__)')"
	@touch $@

latest-venv: $(LATEST_STAMP) ## create .venv-2.21 (newest ansible-core, on Python 3.12/3.13)

# A venv whose interpreter no longer runs (e.g. its pyenv version was removed) is rebuilt.
$(LATEST_STAMP): requirements.txt Makefile scripts/find_python.sh
	$(call banner,latest venv: $(LATEST_VENV) with $(LATEST_CORE))
	@if ! $(LATEST_BIN)/python -c '' >/dev/null 2>&1; then \
	    py='$(LATEST_PYTHON)'; \
	    if [ -z "$$py" ]; then py=$$(PYENV_ROOT='$(PYENV_ROOT)' scripts/find_python.sh $(LATEST_PYTHONS)) || { \
	        echo "latest-venv: $(LATEST_CORE) needs Python >= 3.12 and none of $(LATEST_PYTHONS) was found (see above)" >&2; exit 1; }; fi; \
	    $$py -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' || { \
	        echo "latest-venv: $$py is Python $$($$py -c 'import platform; print(platform.python_version())'); $(LATEST_CORE) needs Python >= 3.12" >&2; exit 1; }; \
	    echo "latest-venv: creating $(LATEST_VENV) with $$py ($$($$py -V 2>&1))"; \
	    rm -rf $(LATEST_VENV); $$py -m venv $(LATEST_VENV); fi
	$(LATEST_BIN)/python -m pip install --upgrade pip
	$(LATEST_BIN)/python -m pip install '$(LATEST_CORE)' -r requirements.txt $(COMPAT_TEST_DEPS)
	@echo "latest-venv: ansible-core $$($(LATEST_BIN)/python -c 'import ansible.release as r; print(r.__version__)') on Python $$($(LATEST_BIN)/python -c 'import platform; print(platform.python_version())')"
	@touch $@

importer-venv: $(IMPORTER_STAMP) ## create .venv-galaxy-importer (galaxy-importer and the ansible-lint it runs)

$(IMPORTER_STAMP): requirements-galaxy-importer.txt
	$(call banner,galaxy-importer venv: $(IMPORTER_VENV))
	@test -x $(IMPORTER_BIN)/python || $(PYTHON) -m venv $(IMPORTER_VENV)
	$(IMPORTER_BIN)/python -m pip install --upgrade pip
	$(IMPORTER_BIN)/python -m pip install -r requirements-galaxy-importer.txt
	@touch $@

collection: ## .build/collections/ansible_collections/cfiam/user_groups -> checkout (symlink)
	@mkdir -p $(dir $(COLL_LINK))
	@if [ "$$(readlink $(COLL_LINK) 2>/dev/null)" != "$(ROOT)" ]; then \
	    rm -rf $(COLL_LINK); ln -sfn $(ROOT) $(COLL_LINK); echo "collection: $(COLL_LINK) -> $(ROOT)"; fi

ansible-test-tree: ## REAL copy of the collection for ansible-test in .build/ansible-test
	@scripts/stage_collection.sh $(AT_COLL)

ansible-test-bootstrap: venv ## write ansible-test's offline get-pip stand-in into ~/.ansible/test/cache
	@$(BIN)/python scripts/ansible_test_bootstrap.py

# --------------------------------------------------------------------------- demo

demo: venv collection ## run playbooks/demo.yml against a local API emulator
	$(call banner,demo)
	@test -f playbooks/demo.yml || { echo "demo: playbooks/demo.yml does not exist yet"; exit 1; }
	ANSIBLE_PYTHON_INTERPRETER=$(BIN)/python scripts/with_emulator.sh $(BIN)/ansible-playbook playbooks/demo.yml

# --------------------------------------------------------------------------- try it by hand

# README "Try it on your machine": the emulator in the foreground with a named seed
# (tests/emulator/seeds.py), its variables in .build/emulator.env for `. .build/emulator.env`.
SEED          ?= demo
EMULATOR_PORT ?= 0
EMULATOR_ENV  := $(BUILD)/emulator.env

emulator: venv collection ## the API emulator in the foreground until Ctrl-C (SEED=demo|empty|acme|large, EMULATOR_PORT=0: a free one)
	@$(BIN)/python tests/emulator/seeds.py serve --seed '$(SEED)' --port '$(EMULATOR_PORT)' \
	    --env-file $(EMULATOR_ENV) --bin-dir $(BIN) --collections-path $(COLL_PATH)

emulator-log: venv ## the requests the running emulator received, one a line (CLEAR=1: then empty the log; JSON=1: raw)
	@$(BIN)/python tests/emulator/seeds.py log --env-file $(EMULATOR_ENV) $(if $(CLEAR),--clear) $(if $(JSON),--json)

# --------------------------------------------------------------------------- test

test: venv collection ## run EVERY suite (continues after failures, prints a summary)
	@MAKE='$(MAKE)' scripts/run_suites.sh $(BUILD)/test-summary.txt $(SKIPPED) $(TEST_SUITES)

test-pytest: venv collection ## pytest over tests/emulator tests/unit tests/integration (-n 2)
	$(call banner,pytest: $(PYTEST_DIRS))
	@for d in tests/emulator tests/unit tests/integration; do \
	    [ -d $$d ] || echo "!! test-pytest: $$d does not exist - nothing collected from it"; done
	@test -n "$(PYTEST_DIRS)" || { echo "test-pytest: no test directories at all"; exit 1; }
	@# Exit code 5 (no tests collected) is a failure like any other non-zero status.
	PYTHONPATH=$(COLL_PATH) CFIAM_ANSIBLE_BIN_DIR=$(BIN) \
	    $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider $(PYTEST_DIRS)

# --local: the controller side runs in .venv itself; every sanity test that needs tools
# (pylint, pep8, yamllint, validate-modules, ...) still gets its own pinned virtualenv under
# ~/.ansible/test/venv. Same findings as --venv at half the time (no delegation venv).
sanity: venv ansible-test-bootstrap ## ansible-test sanity (--local; all tests on .venv's python, compile+import on the others)
	$(call banner,ansible-test sanity --python $(AT_PYTHON) --local)
	@mkdir -p $(BUILD)
	SANITY_SKIP='$(SANITY_SKIP)' SANITY_ARGS='$(SANITY_ARGS)' PYENV_ROOT='$(PYENV_ROOT)' \
	    $(call LOCK,ansible-test) scripts/sanity.sh $(BIN) $(AT_COLL) $(AT_PYTHON) $(SANITY_EXTRA_PYTHONS)

# The same, with the newest ansible-core's own ansible-test from .venv-2.21 on that venv's Python
# (3.12/3.13, a controller Python of 2.21): every sanity test once. The other controller Pythons are
# covered by `sanity` (compile + import on 3.12 and 3.13). ansible-test 2.21 bootstraps another pip
# version (25.2), so the offline stand-in is written for it too. .venv-2.21/bin comes first on PATH:
# ansible-test looks up python3.X there, and pyenv's shim of that name does not run.
sanity-latest: latest-venv ## ansible-test sanity with ansible-core 2.21 (--local, .venv-2.21's python)
	$(call banner,ansible-test sanity with $(LATEST_VENV) (--python $(LATEST_AT_PYTHON) --local))
	@$(LATEST_BIN)/python scripts/ansible_test_bootstrap.py
	@mkdir -p $(BUILD)
	SANITY_SKIP='$(SANITY_SKIP)' SANITY_ARGS='$(SANITY_ARGS)' \
	    $(call LOCK,ansible-test) scripts/sanity.sh $(LATEST_BIN) $(AT_COLL) $(LATEST_AT_PYTHON)

# --venv (not --local): the units requirements (pytest-mock, coverage, constraints) must
# not be installed into .venv, where they would change the dev tool versions.
units: venv ## ansible-test units (--venv; only if tests/unit/plugins exists)
	$(call banner,ansible-test units)
	@if [ ! -d tests/unit/plugins ]; then \
	    printf '\n!! units: tests/unit/plugins does not exist - NO ansible-test units were run\n\n'; \
	    mkdir -p $(SKIPPED); echo "no tests/unit/plugins" > $(SKIPPED)/units; exit 0; fi; \
	$(MAKE) ansible-test-bootstrap && mkdir -p $(BUILD) && \
	$(call LOCK,ansible-test) bash -c 'set -euo pipefail; scripts/stage_collection.sh $(AT_COLL); cd $(AT_COLL); \
	    $(BIN)/ansible-test units --python $(AT_PYTHON) --venv --color no'

lint: venv collection ## ansible-lint --offline, profile production
	$(call banner,ansible-lint)
	$(BIN)/ansible-lint --offline --profile production

docs-lint: venv collection ## antsibull-docs lint + ansible-doc renders every module, inventory plugin and role
	$(call banner,antsibull-docs lint-collection-docs --plugin-docs)
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(COLL_LINK)
	scripts/docs_lint.sh $(BIN) $(BUILD) $(FQCN)

docs: venv collection ## regenerate docs/modules/*.md (Markdown per module, inventory, filter and role)
	$(call banner,docs: scripts/gen_docs.py docs/modules)
	$(BIN)/python scripts/gen_docs.py docs/modules

changelog-lint: venv ## antsibull-changelog lint (fragments + changelog.yaml)
	$(call banner,antsibull-changelog lint)
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

ee: venv build ## ansible-builder create into .build/ee + dependency introspection
	$(call banner,execution environment: ansible-builder create)
	@rm -rf $(EE_DIR) $(BUILD)/ee-def && mkdir -p $(BUILD)/ee-def
	@cp requirements.txt bindep.txt $(BUILD)/ee-def/
	@cp $(DIST)/cfiam-user_groups-*.tar.gz $(BUILD)/ee-def/cfiam-user_groups.tar.gz
	@sed -e 's|@CORE@|$(shell $(BIN)/python -c 'import ansible; print(ansible.__version__)')|' \
	    scripts/ee/execution-environment.yml.in > $(BUILD)/ee-def/execution-environment.yml
	$(BIN)/ansible-builder create -f $(BUILD)/ee-def/execution-environment.yml --context $(EE_DIR) \
	    --output-filename Containerfile -v 2
	@test -f $(EE_DIR)/Containerfile && test -f $(EE_DIR)/_build/requirements.txt && test -f $(EE_DIR)/_build/bindep.txt
	@grep -q 'cfiam-user_groups.tar.gz' $(EE_DIR)/Containerfile
	@# What an EE build derives from meta/execution-environment.yml of the INSTALLED tarball:
	@rm -rf $(BUILD)/ee-installed && ANSIBLE_COLLECTIONS_PATH=$(BUILD)/ee-installed \
	    $(BIN)/ansible-galaxy collection install --offline -p $(BUILD)/ee-installed $(DIST)/cfiam-user_groups-*.tar.gz > /dev/null
	$(BIN)/ansible-builder introspect --sanitize $(BUILD)/ee-installed > $(BUILD)/ee-introspect.txt
	@cat $(BUILD)/ee-introspect.txt
	@grep -q 'requests' $(BUILD)/ee-introspect.txt || { echo "ee: requests missing from introspection"; exit 1; }

molecule: venv collection ## molecule test for every scenario (each with its own emulator)
	$(call banner,molecule)
	scripts/molecule_all.sh $(BIN) $(BUILD) $(SKIPPED)

build: venv ## ansible-galaxy collection build + offline install + ansible-doc from the tarball
	$(call banner,collection build)
	scripts/check_build.sh $(BIN) $(DIST) $(FQCN)

galaxy-importer: importer-venv build ## galaxy-importer (the checks of a Galaxy/Automation Hub upload) on the built tarball; any warning fails
	$(call banner,galaxy-importer on the built tarball)
	scripts/galaxy_importer.sh $(IMPORTER_BIN) $(DIST) scripts/galaxy-importer.cfg

compat: compat-venv collection ## integration pytest suite with ansible-core 2.16 (.venv-2.16)
	$(call banner,compat: integration tests with .venv-2.16)
	@echo "ansible-playbook: $(COMPAT_BIN)/ansible-playbook, ansible-core $$($(COMPAT_BIN)/python -c 'import ansible.release as r; print(r.__version__)')"
	@test -d tests/integration || { echo "compat: tests/integration does not exist yet - nothing to run"; exit 1; }
	PYTHONPATH=$(COLL_PATH) CFIAM_ANSIBLE_BIN_DIR=$(COMPAT_BIN) CFIAM_WRITE_REPLIES=full PATH=$(COMPAT_BIN):$$PATH \
	    $(COMPAT_BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider tests/integration

compat-latest: latest-venv collection ## integration pytest suite with the newest ansible-core (2.21, .venv-2.21)
	$(call banner,compat-latest: integration tests with .venv-2.21)
	@echo "ansible-playbook: $(LATEST_BIN)/ansible-playbook, ansible-core $$($(LATEST_BIN)/python -c 'import ansible.release as r; print(r.__version__)'), Python $$($(LATEST_BIN)/python -c 'import platform; print(platform.python_version())')"
	@test -d tests/integration || { echo "compat-latest: tests/integration does not exist yet - nothing to run"; exit 1; }
	PYTHONPATH=$(COLL_PATH) CFIAM_ANSIBLE_BIN_DIR=$(LATEST_BIN) CFIAM_WRITE_REPLIES=full PATH=$(LATEST_BIN):$$PATH \
	    $(LATEST_BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider tests/integration

# --------------------------------------------------------------------------- housekeeping

clean: ## remove .build and test output (keeps the venvs)
	rm -rf $(BUILD) tests/output .pytest_cache

clean-all: clean ## also remove .venv, .venv-2.16, .venv-2.21 and .venv-galaxy-importer
	rm -rf $(VENV) $(COMPAT_VENV) $(LATEST_VENV) $(IMPORTER_VENV)
