#!/usr/bin/env bash
# Validates the deployment files without running anything: docker-compose.yml (distributed and the
# embedded profile) with `docker-compose config`, and the Kubernetes kustomizations with
# `kubectl kustomize`. No Docker engine or cluster is needed. Prints one line per check and exits
# non-zero if any check fails. Installs the Debian docker-compose package when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_compose() {
  command -v docker-compose >/dev/null 2>&1 && return 0
  echo "installing docker-compose (Debian package)" >&2
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose)
  # Package lists may be missing on a fresh machine: refresh them only when the first try fails.
  as_root "${install[@]}" >/dev/null 2>&1 || { as_root apt-get update -qq >/dev/null && as_root "${install[@]}" >/dev/null; }
}

failures=0
log=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$log" "$scratch"' EXIT

# check NAME COMMAND...: runs the command quietly; on failure shows its output under the line.
check() {
  local name=$1
  shift
  if "$@" >"$log" 2>&1; then
    printf 'ok    %s\n' "$name"
  else
    printf 'FAIL  %s\n' "$name"
    sed 's/^/      /' "$log"
    failures=$((failures + 1))
  fi
}

# kustomize DIR MIN_DEPLOYMENTS: renders DIR and checks it holds at least that many Deployments.
kustomize() {
  kubectl kustomize "$1" >"$scratch/out.yaml" || return 1
  local n
  n=$(grep -c '^kind: Deployment$' "$scratch/out.yaml" || true)
  if [ "$n" -lt "$2" ]; then
    echo "rendered $n Deployments, expected at least $2"
    return 1
  fi
}

# The placeholder Secrets are kept out of the kustomizations (applying them would overwrite real
# credentials); render them on their own so they at least stay well-formed.
secret_examples() {
  mkdir -p "$scratch/secrets" || return 1
  cp deploy/k8s/base/secret.example.yaml "$scratch/secrets/base.yaml" || return 1
  cp deploy/k8s/overlays/gpu/keda/secret.example.yaml "$scratch/secrets/keda.yaml" || return 1
  printf 'resources:\n  - base.yaml\n  - keda.yaml\n' >"$scratch/secrets/kustomization.yaml"
  kubectl kustomize "$scratch/secrets" | grep -c '^kind: Secret$' | grep -qx 2
}

check "docker-compose client present" ensure_compose
check "docker-compose config (distributed)" docker-compose -f docker-compose.yml config -q
check "docker-compose config (profile embedded)" docker-compose -f docker-compose.yml --profile embedded config -q
check "kubectl kustomize deploy/k8s/base" kustomize deploy/k8s/base 6
check "kubectl kustomize deploy/k8s/overlays/gpu" kustomize deploy/k8s/overlays/gpu 6
check "secret examples render" secret_examples

if [ "$failures" -gt 0 ]; then
  echo "$failures deployment check(s) failed" >&2
  exit 1
fi
