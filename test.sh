#!/usr/bin/env bash
# The whole test suite, from a clean machine: installs and starts PostgreSQL and RabbitMQ when they
# are missing, lints the protos, builds without warnings and runs every test. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    log "Installing PostgreSQL"
    apt_install postgresql
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "Starting PostgreSQL"
    as_root service postgresql start >/dev/null
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  # The role and database the server-mode tests use; created once, kept between runs.
  as_root runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'continuum') THEN
    CREATE ROLE continuum LOGIN PASSWORD 'continuum' CREATEDB;
  END IF;
END $$;
SQL
  if ! as_root runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'continuum_test'" | grep -q 1; then
    as_root runuser -u postgres -- createdb -O continuum continuum_test
  fi
}

ensure_rabbitmq() {
  if ! command -v rabbitmqctl >/dev/null 2>&1; then
    log "Installing RabbitMQ"
    apt_install rabbitmq-server
  fi
  if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
    log "Starting RabbitMQ"
    as_root service rabbitmq-server start >/dev/null
  fi
  as_root timeout 120 rabbitmqctl -q await_startup
}

ensure_node() {
  if ! command -v npm >/dev/null 2>&1; then
    log "Installing Node.js"
    apt_install nodejs npm
  fi
}

ensure_fashion_mnist() {
  # Real data for the data service tests and the demo: the canonical IDX files of Fashion-MNIST.
  if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    log "Installing Fashion-MNIST"
    apt_install dataset-fashion-mnist
  fi
}

ensure_postgres
ensure_rabbitmq
ensure_node
ensure_fashion_mnist

export CONTINUUM_TEST_POSTGRES="${CONTINUUM_TEST_POSTGRES:-Host=127.0.0.1;Port=5432;Username=continuum;Password=continuum;Database=continuum_test}"
export CONTINUUM_TEST_RABBITMQ="${CONTINUUM_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:5672/}"

log "Restoring"
dotnet restore Microservices.sln

log "Linting protos"
scripts/buf-lint.sh

log "Validating deployment files"
deploy/check.sh

log "Building"
dotnet build Microservices.sln --no-restore -c Release -warnaserror

log "Testing"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
dotnet test Microservices.sln --no-build -c Release --logger "console;verbosity=normal" \
  --logger "trx;LogFileName=results.trx" --results-directory "$results" || status=$?

# One plain summary line, summed over every test assembly's results.
python3 - "$results" <<'PY'
import sys, pathlib, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
totals = {"passed": 0, "failed": 0, "skipped": 0}
for trx in pathlib.Path(sys.argv[1]).rglob("*.trx"):
    c = ET.parse(trx).getroot().find("t:ResultSummary/t:Counters", ns).attrib
    totals["passed"] += int(c["passed"])
    totals["failed"] += int(c["failed"]) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    totals["skipped"] += int(c["notExecuted"])
print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
PY
exit "$status"
