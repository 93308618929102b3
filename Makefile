# mailcc: see README.md. `make test` and `make run` install what they need
# first (make deps), so both work on a fresh Debian machine.

GO        ?= go
CACHE     ?= $(CURDIR)/.cache
BIN       := $(CURDIR)/bin/mailcc
FUZZTIME  ?= 4s
export CACHE

.PHONY: all build deps test check run bench fuzz clean

all: build

build:
	@$(GO) build -o $(BIN) ./cmd/mailcc

deps:
	@sh scripts/deps.sh

# Every test, the differential ones against the real tools included, then
# every fuzz target briefly.
test: deps build
	@$(GO) vet ./...
	@MAILCC_BIN=$(BIN) $(GO) test -count=1 -timeout 60m ./...
	@FUZZTIME=$(FUZZTIME) sh scripts/fuzz.sh

# The main job on the embedded example: compile it to sendmail.cf.
run: deps build
	@sh scripts/run.sh $(BIN)

# Side-by-side benchmarks against the real tools (whole process, medians).
bench: deps build
	@$(GO) run ./internal/cmd/bench -mailcc $(BIN)

# Longer fuzzing on demand: make fuzz FUZZTIME=10m
fuzz:
	@FUZZTIME=$(FUZZTIME) sh scripts/fuzz.sh

clean:
	rm -rf bin
