# The two commands of the README: `make demo` and `make test`. Both do all
# set-up on a fresh machine (scripts/bootstrap.sh installs the dependencies).
BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
AUD        := $(BUILD)/cli/aud
FUZZ_RUNS  ?= 200000

.PHONY: all bootstrap configure build test demo fuzz fuzz-build bench clean format lint

all: build

bootstrap:
	bash scripts/bootstrap.sh

configure:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The libFuzzer target (clang, ASan + UBSan) in its own build folder.
fuzz-build:
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++-14 -DAUD_FUZZ=ON -DAUD_TESTS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_check fuzz_plan_file fuzz_ingest fuzz_config fuzz_lsp

# Runs the fuzzer on its own for FUZZ_RUNS executions (the suite does too).
fuzz: fuzz-build
	bash tests/fuzz/run.sh $(FUZZ_BUILD)/tests/fuzz/fuzz_check $(FUZZ_RUNS)
	bash tests/fuzz/run_plan.sh $(FUZZ_BUILD)/tests/fuzz/fuzz_plan_file $(FUZZ_RUNS)
	bash tests/fuzz/run_ingest.sh $(FUZZ_BUILD)/tests/fuzz/fuzz_ingest $(FUZZ_RUNS)
	bash tests/fuzz/run.sh $(FUZZ_BUILD)/tests/fuzz/fuzz_config $(FUZZ_RUNS) config
	bash tests/fuzz/run_lsp.sh $(FUZZ_BUILD)/tests/fuzz/fuzz_lsp $(FUZZ_RUNS)

test: bootstrap build fuzz-build
	cd $(BUILD) && AUD_FUZZ_BIN=$(abspath $(FUZZ_BUILD))/tests/fuzz/fuzz_check \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

demo: bootstrap build
	@echo "== aud check (examples/quickstart)"
	$(AUD) -C examples/quickstart check
	@echo "== aud test (examples/quickstart): unit tests on their own fixtures, no data read"
	$(AUD) -C examples/quickstart test
	@echo "== aud graph (examples/quickstart)"
	$(AUD) -C examples/quickstart graph
	@echo "== aud gen-events: synthetic Segment data for the quickstart"
	$(AUD) gen-events --profiles 20000 --events 400000 --seed 1 --bad-fraction 0.01 \
	  --out examples/quickstart/data/events/generated.jsonl
	@echo "== aud eval vip (first run ingests JSON; the second reads the cache)"
	$(AUD) -C examples/quickstart eval vip --as-of 2026-11-01 --format table
	$(AUD) -C examples/quickstart eval cart_recovery --as-of 2026-11-01 --format table
	@echo "== aud check (examples/governance_violation): a policy violation is a compile error"
	@if $(AUD) -C examples/governance_violation check; then \
	  echo "demo: expected a policy violation"; exit 1; \
	else echo "(exit 1, as expected: nothing that breaks a policy can be published)"; fi
	@echo "== plan -> apply -> plan on examples/quickstart (a fresh state: earlier demo runs' .aud/state.db, its lineage marker,"
	@echo "   .aud/profiles.db and exports/ are removed). The \`autopilot\` destination is left out with"
	@echo "   --exclude: it needs the Autopilot API; the demo publishes to crm_export (CSV files) and the"
	@echo "   built-in profile_store only, and runs without any server."
	rm -rf examples/quickstart/.aud/state.db* examples/quickstart/.aud/state.lineage \
	  examples/quickstart/.aud/profiles.db* \
	  examples/quickstart/exports
	@echo "== aud plan: who enters each destination"
	$(AUD) -C examples/quickstart plan --as-of 2026-11-01 --exclude autopilot
	@echo "== aud apply: publish exactly that, recording what the destinations confirmed"
	$(AUD) -C examples/quickstart apply --as-of 2026-11-01 --exclude autopilot --auto-approve
	@echo "== aud plan again: nothing left to do (--detailed-exitcode: 0 means no changes)"
	$(AUD) -C examples/quickstart plan --as-of 2026-11-01 --exclude autopilot --detailed-exitcode
	@echo "== the files written for crm_export"
	ls -l examples/quickstart/exports/crm
	@echo "== aud profile show: one VIP in the profile store (identities, traits, memberships, labels)"
	$(AUD) -C examples/quickstart profile show \
	  "$$(sed -n 2p examples/quickstart/exports/crm/vip.csv | cut -d, -f1)"
	@echo "== aud state list: what the state recorded"
	$(AUD) -C examples/quickstart state list

bench: build
	$(BUILD)/bench/bench_check

# C++ lint (docs/formatting.md, "C++ sources"): clang-format-14 on every
# tracked source, clang-tidy-14 with .clang-tidy on every unit of the build's
# compile_commands.json (so after the build; the parser headers are generated).
lint: build
	bash scripts/lint.sh --build $(BUILD) --jobs $(JOBS)

# clang-format-14 -i on the files `make lint` checks.
format:
	bash scripts/lint.sh --fix-format

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
