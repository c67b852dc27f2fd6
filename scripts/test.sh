#!/usr/bin/env bash
# The README's second command: install, build, and run the whole test suite (CTest: GoogleTest
# suites and the Python tests), then the fuzz targets for a bounded time each (scripts/fuzz.sh,
# FUZZ_SECONDS, default 60). A run in which no test ran is a failure; so is a fuzzer's crash.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --no-tests=error -j2
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
