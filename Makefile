# `make demo` and `make test` do all set-up on a fresh Debian machine (as root for the lab parts).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Debian packages the lab, the website checks and the reports need (installed when missing, as root).
DEBS := frr openssh-server snmpd snmp iperf3 iproute2 iputils-ping nsd nginx fonts-noto-cjk poppler-utils chromium openssl curl git prometheus prometheus-snmp-exporter strace redis-server postgresql

.PHONY: demo test venv system-deps lint typecheck unit clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

system-deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "note: not root, not installing:$$missing"; exit 0; fi; \
	echo "installing Debian packages:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null

lint: $(STAMP)
	$(BIN)/ruff check ezgov_infra tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

# The demo runs after the tests: it is the main job, on the real lab, and must keep working.
test: system-deps $(STAMP) lint typecheck
	$(BIN)/pytest -q
	$(BIN)/python -m ezgov_infra.demo

demo: system-deps $(STAMP)
	$(BIN)/python -m ezgov_infra.demo

clean:
	rm -rf $(VENV) .ezgov
