#!/usr/bin/env bash
# Installs the Debian packages that the demo and the tests use, if any is missing.
set -euo pipefail
packages=(docker-registry skopeo apache2-utils openssl curl chromium)
commands=(docker-registry skopeo htpasswd openssl curl chromium)
missing=()
for i in "${!commands[@]}"; do
  command -v "${commands[$i]}" >/dev/null 2>&1 || missing+=("${packages[$i]}")
done
# The report's charts (JFreeChart) measure text with a real font; a bare Debian has none.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "image-census: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "image-census: installing ${missing[*]} (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
