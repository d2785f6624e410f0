#!/usr/bin/env bash
# Install PgBouncer (the Debian package) when it is missing, so the runtime tests can run the
# application's queries through a real PgBouncer in transaction mode.
#
# Prints the path of the pgbouncer binary on success. Exits non-zero with a reason on stderr when
# it is missing and cannot be installed (not root, no apt-get, no package index reachable); the
# tests then skip with that reason.
set -euo pipefail

find_pgbouncer() {
    command -v pgbouncer 2>/dev/null && return 0
    for candidate in /usr/sbin/pgbouncer /usr/bin/pgbouncer /usr/local/bin/pgbouncer; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if find_pgbouncer; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "pgbouncer is not installed and this user is not root (install the 'pgbouncer' package)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "pgbouncer is not installed and apt-get is not available" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A lock keeps two test processes from running apt-get at once.
exec 9>/tmp/postsql-install-pgbouncer.lock
flock 9
if find_pgbouncer; then
    exit 0
fi
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends pgbouncer; } >&2; then
    echo "apt-get could not install pgbouncer" >&2
    exit 1
fi
# The package starts a system service on some setups; the tests run their own instance.
if command -v service >/dev/null 2>&1; then
    service pgbouncer stop >/dev/null 2>&1 || true
fi
find_pgbouncer || { echo "pgbouncer was installed but its binary was not found" >&2; exit 1; }
