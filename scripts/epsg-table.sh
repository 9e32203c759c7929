#!/usr/bin/env bash
# Writes gis-data/epsg/epsg.tsv.gz, the EPSG table the server resolves `EPSG:n` with: every geographic (GEOGCS) and
# projected (PROJCS) coordinate system of the EPSG register, as PostGIS's spatial_ref_sys holds it (its WKT, with
# the TOWGS84 shift PROJ chose where the register has one shift to WGS 84), one `code<TAB>WKT` line each.
#
#   scripts/epsg-table.sh                 # starts a private PostGIS (scripts/postgis.sh), reads it, stops it
#   scripts/epsg-table.sh 'Host=…;Port=…' # reads that server's spatial_ref_sys
#
# The source and terms of the data are in gis-data/epsg/README.md. Re-run it when PostGIS (PROJ) is upgraded, and
# read the diff of `zcat` before committing: a shift that changes moves converted grids.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$REPO_ROOT/gis-data/epsg/epsg.tsv.gz"
started=""
if [[ $# -gt 0 ]]; then
    CS=$1
else
    started=$(mktemp -d)
    CS=$("$REPO_ROOT/scripts/postgis.sh" start --fast --dir "$started/pg" | tail -1)
fi
cleanup() { [[ -n $started ]] && "$REPO_ROOT/scripts/postgis.sh" stop "$started/pg" >/dev/null 2>&1 && rm -rf "$started"; }
trap cleanup EXIT
# Npgsql's "Key=Value;…" into libpq's "key=value …".
conninfo=$(tr ';' '\n' <<<"$CS" | awk -F= 'tolower($1)=="host"{print "host="$2} tolower($1)=="port"{print "port="$2}
    tolower($1)=="username"{print "user="$2} tolower($1)=="database"{print "dbname="$2} tolower($1)=="password"{print "password="$2}' | tr '\n' ' ')
psql "$conninfo" -v ON_ERROR_STOP=1 -AtF $'\t' -c "
    SELECT auth_srid, replace(replace(srtext, E'\t', ' '), E'\n', ' ')
    FROM spatial_ref_sys
    WHERE auth_name = 'EPSG' AND (srtext LIKE 'GEOGCS[%' OR srtext LIKE 'PROJCS[%')
    ORDER BY auth_srid" | gzip -9n > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$(zcat "$OUT" | wc -l) coordinate systems written to $OUT" >&2
