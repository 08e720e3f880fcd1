# Detection-as-code toolkit. Every target installs into .venv first, so a fresh
# clone needs only Python >= 3.11 and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DAC := $(BIN)/dac
STAMP := $(VENV)/.installed
ENV ?= prod

.PHONY: demo install test lint format validate integration deploy plan nightly \
        stack-up stack-down schemas bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The main job on the bundled rules.
demo: $(STAMP)
	$(DAC) validate detections/ && $(DAC) test detections/ && \
	$(DAC) replay detections/baseline/windows-endpoint-activity.ndjson \
	    detections/baseline/windows-sysmon-activity.json --rules detections/ --baseline

# The whole test suite (unit, conformance, bad input, rule cases); integration
# tests are collected but skip with a reason when no Docker engine answers.
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check tooling tests benchmarks
	$(BIN)/ruff format --check tooling tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format tooling tests benchmarks
	$(BIN)/ruff check --fix tooling tests benchmarks

validate: $(STAMP)
	$(DAC) validate detections/

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# Nightly regression run: every case (embedded, plus NIGHTLY_ARGS such as
# --backend elasticsearch), baseline replays, history and reports/ (exit 1 on
# a regression).
nightly: $(STAMP)
	$(DAC) nightly $(NIGHTLY_ARGS)

# Regenerate the shipped field and ATT&CK tables from local checkouts of the
# public sources at their pinned tags (docs/schemas.md lists them). Each
# checkout is read from $(SCHEMA_SRC)/<name>; commits come from git.
SCHEMA_SRC ?= build/schema-sources
SCHEMA_DATA := tooling/dac/schemas/data
ECS_VERSION ?= 9.4.0
ATTACK_VERSION ?= 18.1
WINLOGBEAT_VERSION ?= 9.0.0
GENERATE := $(BIN)/python -m dac.schemas.generate -v
schemas: $(STAMP)
	$(GENERATE) ecs --source $(SCHEMA_SRC)/ecs --version $(ECS_VERSION)
	$(GENERATE) defend --source $(SCHEMA_SRC)/endpoint-package \
		--ecs-table $(SCHEMA_DATA)/ecs-$(ECS_VERSION).json
	$(GENERATE) attack --source $(SCHEMA_SRC)/cti/enterprise-attack \
		--version $(ATTACK_VERSION)
	$(GENERATE) windows --integration $(SCHEMA_SRC)/integrations/packages/windows \
		--beats $(SCHEMA_SRC)/beats --winlogbeat-version $(WINLOGBEAT_VERSION) \
		--ecs-table $(SCHEMA_DATA)/ecs-$(ECS_VERSION).json

# Elasticsearch and Kibana in Docker (docker-compose.yml; needs Docker with
# the Compose v2 plugin). --wait returns once every healthcheck passes.
COMPOSE ?= docker compose
STACK_WAIT_SECONDS ?= 600

stack-up:
	$(COMPOSE) up -d --wait --wait-timeout $(STACK_WAIT_SECONDS)

stack-down:
	$(COMPOSE) down -v --remove-orphans

# Rule cases on the real stack. The tests use a stack that already responds
# (make stack-up) or start one themselves, and skip with a reason when no
# Docker engine is available.
integration: $(STAMP)
	$(BIN)/python -m pytest -m integration tests/integration detections

# Show what a deploy would change in Kibana: make plan ENV=staging
plan: $(STAMP)
	$(DAC) plan --env $(ENV)

# Print the plan, confirm, and apply it: make deploy ENV=prod
# Extra flags go in DEPLOY_FLAGS, for example DEPLOY_FLAGS="--yes --prune".
deploy: $(STAMP)
	$(DAC) deploy --env $(ENV) $(DEPLOY_FLAGS)
