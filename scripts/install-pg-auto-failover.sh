#!/usr/bin/env bash
# Install pg_auto_failover (Debian's packages: the pgautofailover extension for the system
# PostgreSQL and the pg_autoctl command) when it is missing, so the high-availability tests can run
# a real monitor + two data nodes cluster.
#
# Prints two lines on success: the path of pg_autoctl, then the PostgreSQL bin directory it drives
# (pg_ctl, initdb of the same major as the extension). Exits non-zero with a reason on stderr when
# it is missing and cannot be installed (not root, no apt-get, no system PostgreSQL, no package
# index reachable); the tests then skip with that reason.
set -euo pipefail

# The PostgreSQL major the system has (Debian's layout: /usr/lib/postgresql/<major>/bin), newest
# first; the extension package must match it.
pg_major() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [ -x "$dir/pg_ctl" ]; then
            basename "$(dirname "$dir")"
            return 0
        fi
    done
    return 1
}

find_installed() {
    local major="$1" autoctl
    autoctl="/usr/lib/postgresql/$major/bin/pg_autoctl"
    [ -x "$autoctl" ] || autoctl="$(command -v pg_autoctl 2>/dev/null)" || return 1
    # The monitor needs the extension in the same major's share directory.
    [ -f "/usr/share/postgresql/$major/extension/pgautofailover.control" ] || return 1
    echo "$autoctl"
    echo "/usr/lib/postgresql/$major/bin"
}

if ! major="$(pg_major)"; then
    echo "no system PostgreSQL found under /usr/lib/postgresql (pg_auto_failover needs one)" >&2
    exit 1
fi
if find_installed "$major"; then
    exit 0
fi
packages=("postgresql-$major-auto-failover" "pg-auto-failover-cli")
if [ "$(id -u)" -ne 0 ]; then
    echo "pg_auto_failover is not installed and this user is not root (install ${packages[*]})" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "pg_auto_failover is not installed and apt-get is not available" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A lock keeps two test processes from running apt-get at once.
exec 9>/tmp/postsql-install-pg-auto-failover.lock
flock 9
if find_installed "$major"; then
    exit 0
fi
# The index may already list the packages; update it only when it does not.
if ! apt-cache show "${packages[0]}" >/dev/null 2>&1; then
    apt-get update -qq >&2 || { echo "apt-get update failed" >&2; exit 1; }
fi
if ! apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2; then
    echo "apt-get could not install ${packages[*]}" >&2
    exit 1
fi
find_installed "$major" || {
    echo "${packages[*]} were installed but pg_autoctl or the pgautofailover extension was not found" >&2
    exit 1
}
