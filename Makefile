# make demo | make test | make lint | make simulate | make bench | make clean
# Each target builds .venv on first use and reinstalls only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo simulate test lint clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

RECORDS := tests/flows/records

# The whole product on this machine: both emulators, the connector, scripted leads; serves until Ctrl-C.
demo: $(STAMP)
	$(BIN)/smsflow demo

# The shipped flows, validated and played in the terminal against sample records (nothing is sent).
simulate: $(STAMP)
	$(BIN)/smsflow validate flows/ mappings/ manifest.yaml
	$(BIN)/smsflow simulate flows/intro-text.yaml --record $(RECORDS)/lead-web.json
	$(BIN)/smsflow simulate flows/missed-call.yaml --record $(RECORDS)/lead-web.json \
		--call $(RECORDS)/task-call-no-answer.json --reply "2"
	$(BIN)/smsflow simulate flows/booking-confirm.yaml --record $(RECORDS)/lead-booking.json \
		--reply "Can we do 3pm instead?"
	$(BIN)/smsflow simulate flows/booking-confirm.yaml --record $(RECORDS)/lead-booking.json \
		--reply /timeout --reply "Yes, see you then"

# Every benchmark, quick: each prints its figures beside a baseline (bench/README.md); none passes or fails.
bench: $(STAMP)
	$(BIN)/python bench/pipeline.py --quick
	$(BIN)/python bench/webhooks.py --quick
	$(BIN)/python bench/campaign.py --quick
	$(BIN)/python bench/writeback.py --quick

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest -q

clean:
	rm -rf build *.egg-info .pytest_cache .ruff_cache var/smsflow.db var/smsflow.db-wal var/smsflow.db-shm
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
