#!/usr/bin/env bash
# Installs the servers Aurum runs privately for `aurum dev` and the tests
# (PostgreSQL, Redis) when they are missing, and with --browser Chromium for
# the workbench's browser test. Debian/Ubuntu only; as root it uses apt-get
# directly, otherwise sudo.
set -euo pipefail

missing=()
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  # Fonts are only a recommendation of Chromium's: without one, text has no
  # width to lay out, measure or check for contrast.
  missing+=(chromium fonts-liberation)
fi
if ! command -v postgres >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  missing+=(postgresql postgresql-contrib)
fi
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing ${missing[*]} ..." >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "missing ${missing[*]}: install them (apt-get install ${missing[*]}) or run as root" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing ${missing[*]} and no apt-get: install them with your package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages may start system-wide services; Aurum runs its own servers and
# does not need them. Leave them as the distribution set them up.
echo "installed ${missing[*]}" >&2
