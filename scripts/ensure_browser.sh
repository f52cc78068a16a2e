#!/usr/bin/env bash
# Browser tests drive Debian's Chromium headless; install it (and Thai fonts, so screenshots
# show Thai) when it is missing and we may: CI runs as root on a fresh machine.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi 'tlwg\|garuda\|loma' || need+=(fonts-thai-tlwg)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure_browser: missing ${need[*]}; install them (apt-get install ${need[*]}) to run the browser tests" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
