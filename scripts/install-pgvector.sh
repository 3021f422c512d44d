#!/usr/bin/env bash
# Builds and installs pgvector for the local PostgreSQL 15 from Debian trixie's source package, when it is
# missing (Debian bookworm ships no pgvector package). Needs root and Debian's archive. Idempotent.
set -euo pipefail
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
libdir=$("$PG_CONFIG" --pkglibdir)
if [ -f "$libdir/vector.so" ]; then
  echo "pgvector already installed in $libdir"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql-server-dev-15 dpkg-dev >/dev/null
uri=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources | head -1)
src=/etc/apt/sources.list.d/mnemo-trixie-src.sources
printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" >"$src"
trap 'rm -f "$src"; apt-get update -qq || true' EXIT
apt-get update -qq
work=$(mktemp -d)
(
  cd "$work"
  apt-get source --download-only pgvector >/dev/null
  dpkg-source -x pgvector_*.dsc >/dev/null
  cd pgvector-*/
  make -j2 PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
  make install PG_CONFIG="$PG_CONFIG" >/dev/null
)
rm -rf "$work"
echo "pgvector installed in $libdir"
