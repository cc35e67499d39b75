#!/usr/bin/env bash
# Publishes the service to the folder given (default: artifacts/publish), exactly as docker/Dockerfile does.
set -euo pipefail
out="${1:-artifacts/publish}"
cd "$(dirname "$0")/.."
dotnet publish src/Api/GicService.Api.csproj -c Release -o "$out" --nologo
