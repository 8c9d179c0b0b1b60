#!/usr/bin/env bash
# Runs every benchmark and prints one table. Each result is a ratio against a baseline measured in the
# same run, because these machines are noisy. Pass benchmark names to run only those; --list lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
# The training benchmark compares with PyTorch through Debian's interpreter (python3 on PATH may be another one).
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    echo "note: /usr/bin/python3 lacks torch or numpy, so the training benchmark skips its PyTorch row;" \
        "install them with: apt-get install python3-torch python3-numpy" >&2
fi
dotnet run -c Release --project bench/Continuum.Bench -- "$@"
