#!/usr/bin/env bash
# Debian packages the suite runs for real (the tests start their own redis-server and PostgreSQL
# servers; the packages' own services are not needed): installed when missing, if we are root.
set -euo pipefail

wanted=(redis-server postgresql chromium)
missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them (apt-get install ${missing[*]}) and rerun." >&2
    exit 1
fi
echo "Installing ${missing[*]} ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
