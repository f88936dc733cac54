# Two commands: `make lab` opens the course, `make test` runs every test.
# Both create the virtual environment .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
LAB_PORT ?= 8888
LAB_ARGS ?=
PYTEST_ARGS ?= --durations=25
# Test modules run side by side (one pytest-xdist worker per core; see the xdist_group marks):
# much of the suite waits on servers, browsers and kernels, so one process alone leaves cores idle.
PYTEST_PARALLEL ?= -n auto --dist loadgroup
# nbgrader runs helper programs (alembic) by name, so the environment's bin/ goes first on PATH.
export PATH := $(BIN):$(PATH)
export PYDEVD_DISABLE_FILE_VALIDATION := 1
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test setup system-deps build check clean formgrader

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/configure_jupyter.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,vendor]'
	$(BIN)/python scripts/configure_jupyter.py
	@touch $(STAMP)

# Debian's chromium and fonts-noto-cjk, and JupyterHub's proxy from npm into .node/
# (only the browser and hub tests need them, so `make lab` does not install them).
system-deps:
	@bash scripts/install_system_deps.sh

lab: setup
	$(BIN)/ebpm build
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(LAB_PORT) $(ROOT_FLAG) $(LAB_ARGS)

test: system-deps setup
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The instructor's JupyterLab with the formgrader (127.0.0.1 only; learners' view unchanged).
formgrader: setup
	$(BIN)/ebpm formgrader $(if $(FORMGRADER_PORT),--port $(FORMGRADER_PORT),)

build: setup
	$(BIN)/ebpm build

check: setup
	$(BIN)/ebpm check

clean:
	rm -rf $(VENV) _grading .pytest_cache
