#!/usr/bin/env bash
# Build and run the fork/_exit/waitpid lifecycle benchmark.
# Usage: bench/forkloop.sh [iterations] [workers]
set -euo pipefail

# Work from the repository root (the parent of this script's directory).
cd "$(dirname "${BASH_SOURCE[0]}")/.."

gcc -O2 -o "${TMPDIR:-/tmp}/kmodel-forkloop" bench/forkloop.c
exec "${TMPDIR:-/tmp}/kmodel-forkloop" "$@"
