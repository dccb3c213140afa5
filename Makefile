# The two commands a fresh machine needs (see README.md):
#   make run    install missing packages, build (Release), run the probe with defaults
#   make test   install missing packages, build, install the toolkit matrix the
#               tests compare against (scripts/install-toolkits.sh: pip wheels in
#               .toolkits/), run every test through ctest
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
ARGS       ?=
CMAKE_ARGS ?=
# `make test` also builds and runs the libFuzzer target when clang++-14 is installed.
FUZZ_ARGS  ?=
HAVE_CLANG := $(shell command -v clang++-14 >/dev/null 2>&1 && echo yes)

.PHONY: all deps toolkits configure build run test bench asan-test gpu-check clean

all: build

deps:
	@./scripts/install-deps.sh

# NVRTC/nvJitLink 12.9 and 13.5 and nvdisasm 13.5 (pip wheels, project-local) for
# the toolkit matrix tests; the tool itself never needs them.
toolkits:
	@./scripts/install-toolkits.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSM121PROBE_WERROR=ON $(FUZZ_ARGS) $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/sm121-probe $(ARGS)

test: FUZZ_ARGS = $(if $(HAVE_CLANG),-DSM121PROBE_ENABLE_FUZZ=ON)
test: build toolkits
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer, leak checks
# included (CI runs this too; the LeakSanitizer options are set by
# tests/CMakeLists.txt). Not repeated here, because `make test` runs them and a
# sanitizer adds nothing to them: the build checks (label build: CMake configures
# and header compiles), the libFuzzer targets (their own ASan build), and the
# toolkit matrix (ToolkitMatrix: NVIDIA's compilers and disassembler compared;
# the tool's code it runs is the offline battery that the cli tests run here).
# -O1 -g1 (line tables: sanitizer reports keep file:line) compiles in about half
# the time of RelWithDebInfo's -O2 -g.
ASAN_DIR ?= build-asan
ASAN_OPT ?= -O1 -g1 -DNDEBUG
asan-test: deps toolkits
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(ASAN_OPT)" \
	  -DSM121PROBE_WERROR=ON -DSM121PROBE_SANITIZE=ON -DSM121PROBE_BUILD_BENCH=OFF -DSM121PROBE_ENABLE_FUZZ=OFF $(CMAKE_ARGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) -LE '^build$$' -E '^toolkits\.Targets/ToolkitMatrix\.'

# On a machine with an NVIDIA GPU: build, run the battery in device mode, print every
# probe's verdict against the expectation for that GPU and a summary to paste into an
# issue (scripts/gpu-check.sh). Without a GPU: one line, nothing built, and the script
# exits 77 (make then reports "Error 77" and exits 2).
gpu-check:
	@./scripts/gpu-check.sh

# Benchmarks (bench/) are built only by this target, never by `make build` or `make test`.
bench: build
	cmake --build $(BUILD_DIR) --target bench -j $(JOBS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
