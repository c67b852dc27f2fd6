#!/usr/bin/env bash
# The README's first command: install, build, and run the main job on the built-in default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/framework/archlab run
