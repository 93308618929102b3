#!/bin/sh
# deps.sh: installs what mailcc's tests and `make run` need, on Debian.
# Idempotent and quiet when everything is there.
#
#  - Debian packages: the oracles (m4, the sendmail cf library, postfix,
#    postfix-cdb, db-util, swaks) and the shared libraries of sendmail-bin;
#  - sendmail-bin, *unpacked* into $CACHE/sendmail-bin (installing it would
#    make it the system MTA and replace postfix);
#  - source packages whose test suites the tests run (GNU m4's checks/),
#    fetched with apt-get source into $CACHE/src through a private deb-src
#    list, without touching the machine's apt configuration.
set -eu

CACHE=${CACHE:-$(pwd)/.cache}
PKGS="m4 sendmail-cf postfix postfix-cdb db-util swaks libwrap0 dpkg-dev
      libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libssl3 procps time"

say() { echo "deps: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else say "need root to run: $*"; return 1
    fi
}

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    say "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # postfix is installed, not configured or started: the tests run their
    # own private instances.
    echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

SM=$CACHE/sendmail-bin
if [ ! -x "$SM/usr/libexec/sendmail/sendmail" ]; then
    say "unpacking sendmail-bin into $SM"
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download sendmail-bin >/dev/null 2>&1) || {
        as_root apt-get update -qq >/dev/null
        (cd "$tmp" && apt-get download sendmail-bin >/dev/null)
    }
    mkdir -p "$SM"
    dpkg -x "$tmp"/sendmail-bin_*.deb "$SM"
    rm -rf "$tmp"
fi

# fetch_source PKG DIRGLOB: apt-get source PKG into $CACHE/src unless there.
fetch_source() {
    pkg=$1
    if ls -d "$CACHE/src/$pkg"-[0-9]*/ >/dev/null 2>&1; then return 0; fi
    say "fetching the $pkg source package into $CACHE/src"
    mkdir -p "$CACHE/src/lists/partial"
    src=/etc/apt/sources.list.d/debian.sources
    if [ -f "$src" ]; then
        sed 's/^Types: deb$/Types: deb-src/' "$src" > "$CACHE/src/debsrc.sources"
        list="$CACHE/src/debsrc.sources"
    else
        sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$CACHE/src/debsrc.list"
        list="$CACHE/src/debsrc.list"
    fi
    set -- -o Dir::Etc::SourceParts=/dev/null -o Dir::Etc::sourcelist="$list" \
        -o Dir::State::Lists="$CACHE/src/lists"
    apt-get -qq "$@" update >/dev/null
    (cd "$CACHE/src" && apt-get -qq "$@" source "$pkg" >/dev/null 2>&1)
}
fetch_source m4
