#!/usr/bin/env bash
# System packages the test suite needs beyond Python and Node: Chromium (browser tests of the
# console, driven by Playwright without downloading a browser) with CJK fonts for screenshots.
# Emoji (shoppers' nicknames) render with fonts-noto-color-emoji. nginx and openssl for
# tests/system (the deploy/ nginx config with a test certificate in front of two servers).
# Installs them with apt when missing and we may (root); otherwise says what to install.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qi "Noto Color Emoji" || missing+=(fonts-noto-color-emoji)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]}"
    for attempt in 1 2 3; do
        if DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
           { apt-get update -q >/dev/null 2>&1 &&
             DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; }; then
            exit 0
        fi
        sleep 10  # another apt may hold the dpkg lock
    done
    echo "could not install ${missing[*]}" >&2
    exit 1
fi
echo "please install: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
exit 1
