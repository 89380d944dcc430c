# The two commands a newcomer runs: `make demo` and `make test`. Both install missing Debian packages first.
BUILD_DIR ?= build/dev
JOBS ?= 2
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLEETDECK_WERROR=ON

.PHONY: all deps configure build test demo bench mutants mutants-check fuzz clean format package

all: build

deps:
	@packaging/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 300

# The demo builds only the program it runs (the tests and benchmarks are `make test`'s and `make bench`'s).
demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target fleetdeck
	@tests/lab/demo.sh $(BUILD_DIR)/app/fleetdeck

# A .deb (CPack) in build/package, then its desktop entry, AppStream file and the package itself validated.
package:
	@packaging/install-deps.sh build runtime
	@packaging/make-package.sh build/package

bench: build
	@bench/run.sh $(BUILD_DIR)

# Shows the tests can fail: each mutant in tests/mutants/mutants.py breaks one thing in a scratch worktree, and the
# test that claims it must then fail. About a minute per mutant; never part of `make test`.
mutants: deps
	@tests/mutants/run.py

# Every mutant still applies to the code it patches (no build, no lab; also a test in `make test`).
mutants-check:
	@tests/mutants/run.py --check

# Fuzzes every parser and frame reader with libFuzzer, ASan and UBSan (clang) for FUZZ_SECONDS each (default 60);
# prints fuzz_targets=N fuzz_execs=M fuzz_findings=K last. Never part of `make test` (its seeds are: tst_fuzzseeds).
fuzz: deps
	@JOBS=$(JOBS) tests/fuzz/run.sh

format:
	@find app ui models drivers tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
