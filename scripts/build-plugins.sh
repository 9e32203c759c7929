#!/usr/bin/env bash
# Builds every duty module under plugins/ (each project but the contract) into a plugins directory, one folder a
# module, ready for a server to load (GridServer:Plugins:Directory). Nothing is downloaded beyond the NuGet restore
# of the projects themselves.
#
#   scripts/build-plugins.sh                      # into artifacts/plugins/Release/
#   scripts/build-plugins.sh /srv/gridserver/plugins -c Debug   # straight into a server's directory
#
# A server that is running picks the folders up (new ones loaded, changed ones reloaded): see docs/plugins.md.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${1:-}
[[ $# -gt 0 ]] && shift
args=(-c Release)
[[ $# -gt 0 ]] && args=("$@")
found=0
for project in "$REPO_ROOT"/plugins/*/*.csproj; do
    [[ $(basename "$project") == GridServer.Plugins.Contracts.csproj ]] && continue
    found=1
    if [[ -n $DEST ]]; then
        mkdir -p -- "$DEST"
        dotnet build "$project" "${args[@]}" -p:DutyModulesDir="$(cd "$DEST" && pwd)/"
    else
        dotnet build "$project" "${args[@]}"
    fi
done
((found)) || { echo "no module projects under plugins/" >&2; exit 1; }
