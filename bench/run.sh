#!/usr/bin/env bash
# Runs every benchmark and prints one table. Each result is a ratio against a baseline measured in the
# same run, because these machines are noisy. Pass benchmark names to run only those; --list lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/Continuum.Bench -- "$@"
