#!/usr/bin/env bash
# Lints and builds the public API under protos/ with buf (STANDARD and
# COMMENTS rules from the repository's buf.yaml).
#
# google/rpc/status.proto is not copied into the repository: it comes from
# the Google.Api.CommonProtos NuGet package, which `dotnet restore` puts in
# the NuGet cache. The script makes a temporary buf workspace holding two
# modules, the repository's protos/ and the package's protos, and lints only
# the first. buf itself comes from npm (@bufbuild/buf), installed on first
# use under .tools/ (git-ignored). Nothing is fetched from buf.build.
set -euo pipefail

readonly buf_version="1.75.0"
readonly gapi_version="2.17.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root

nuget_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
gapi_protos="$nuget_root/google.api.commonprotos/$gapi_version/content/protos"
if [[ ! -f "$gapi_protos/google/rpc/status.proto" ]]; then
  echo "buf-lint: $gapi_protos/google/rpc/status.proto not found." >&2
  echo "buf-lint: restore the solution first (dotnet restore), which" \
    "downloads Google.Api.CommonProtos $gapi_version." >&2
  exit 1
fi

buf="$root/.tools/node_modules/.bin/buf"
installed="$("$buf" --version 2>/dev/null || true)"
if [[ "$installed" != "$buf_version" ]]; then
  echo "buf-lint: installing @bufbuild/buf@$buf_version under .tools/" >&2
  mkdir -p "$root/.tools"
  npm install --silent --no-save --prefix "$root/.tools" \
    "@bufbuild/buf@$buf_version" >&2
fi
if [[ ! -x "$buf" ]]; then
  echo "buf-lint: buf was not installed at $buf" >&2
  exit 1
fi

workspace="$(mktemp -d)"
trap 'rm -rf "$workspace"' EXIT

cp -R "$root/protos" "$workspace/protos"
cp -R "$gapi_protos" "$workspace/googleapis"
# The repository's buf.yaml with the NuGet protos added as a second module.
sed 's|^  - path: protos$|  - path: protos\n  - path: googleapis|' \
  "$root/buf.yaml" >"$workspace/buf.yaml"
if ! grep -q 'path: googleapis' "$workspace/buf.yaml"; then
  echo "buf-lint: buf.yaml no longer has the line '  - path: protos'" >&2
  exit 1
fi

cd "$workspace"
"$buf" build protos -o /dev/null
"$buf" lint protos
echo "buf-lint: protos/ builds and is lint clean" >&2
