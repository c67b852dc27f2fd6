#!/usr/bin/env bash
# The README's second command: install, build, and run the whole test suite (CTest: GoogleTest
# suites and the Python tests). A run in which no test ran is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure --no-tests=error -j2
