#!/usr/bin/env bash
# The project's private PostgreSQL + PostGIS server: start one on loopback in its own directory,
# apply the schema migrations, stop it and remove it again. See usage() below.
#
# Design notes:
# - Each server lives entirely in one directory (DIR): data/ (the cluster), server.log, the Unix
#   socket, and the state file gridserver-pg.env. Stopping removes DIR, nothing else is touched.
# - initdb refuses to run as root, so when run as root the server runs as the `postgres` user.
# - Only the connection string goes to stdout (so `CS=$(scripts/postgis.sh start)` works);
#   everything else goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
MIGRATIONS_DIR="$REPO_ROOT/gis-data/migrations"
STATE_FILE_NAME=gridserver-pg.env
MARKER_NAME=.gridserver-pg       # marks a directory this script created/owns (stop removes it)
DB_NAME=gridserver
DB_USER=postgres
PREFERRED_PG_MAJOR=15
APT_PACKAGE="postgresql-${PREFERRED_PG_MAJOR}-postgis-3"
PGBIN=""     # set by ensure_postgres or a state file
CONNSTR=""   # set by a state file (load_state)

usage() {
    cat <<EOF
Usage: ${0##*/} COMMAND [ARGS]

Manages a private PostgreSQL/PostGIS server for GridServer on 127.0.0.1.

Commands:
  start [--dir DIR] [--port PORT] [--fast]
        Start a server (installing $APT_PACKAGE with apt when run as root and missing),
        create database '$DB_NAME' with PostGIS, apply the migrations, and print the Npgsql
        connection string as the last line of stdout. Progress goes to stderr.
        DIR   where the server lives (default: a new /tmp/gridserver-pg.XXXXXX); it must be new,
              empty, or a directory of an earlier 'start' (then that cluster is started again)
        PORT  loopback port (default: a free one chosen at random)
        --fast  fsync=off, synchronous_commit=off, full_page_writes=off: for throw-away test
              servers only; a crash can lose or corrupt data. Default is crash-safe.
  migrate CONNSTR|DIR
        Apply gis-data/migrations/V*.sql not yet recorded in gridserver.schema_migrations, in
        version order, each in one transaction, through the server's own migrate verb
        (building the server first when needed). CONNSTR is an Npgsql connection string
        (Host=..;Port=..;Username=..;Password=..;Database=..); DIR is a directory made by 'start'.
  stop [DIR]
        Stop the server in DIR (default: \$GRIDSERVER_PG_DIR) and remove DIR. No error when the
        server is already stopped or DIR is already gone.
  pause DIR
        Stop the server in DIR and keep its data (a maintenance window, a database outage in a
        test); 'start --dir DIR' starts it again, on its old port when that is still free.
  backup CONNSTR|DIR FILE
        A consistent dump of the database while the cluster runs (pg_dump, custom format); never overwrites FILE.
  restore CONNSTR|DIR FILE
        Restores FILE into an empty database (create it first) in one transaction, and forgets the old
        cluster's silos so a new cluster starts on it at once. See docs/deployment.md#backup-and-restore.
  psql DIR [PSQL_ARGS...]
        Run psql against the server in DIR (database '$DB_NAME').
  --help
        This text.

Example:
  CS=\$(scripts/postgis.sh start --dir /tmp/gs-pg)   # CS=Host=127.0.0.1;Port=...;...
  scripts/postgis.sh psql /tmp/gs-pg -c 'SELECT postgis_full_version()'
  scripts/postgis.sh stop /tmp/gs-pg
EOF
}

log() { printf '[postgis.sh] %s\n' "$*" >&2; }
die() { printf '[postgis.sh] error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as the user that owns the server: `postgres` when we are root, else ourselves.
as_pg_user() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# ---------------------------------------------------------------------------------------------
# Locating / installing PostgreSQL and PostGIS
# ---------------------------------------------------------------------------------------------

# Prints the directory holding initdb/pg_ctl/postgres, preferring major version 15, else the
# newest /usr/lib/postgresql/*/bin (Debian/Ubuntu layout), else whatever initdb is on PATH.
find_pg_bin() {
    local d candidates=()
    if [[ -x /usr/lib/postgresql/$PREFERRED_PG_MAJOR/bin/initdb ]]; then
        echo "/usr/lib/postgresql/$PREFERRED_PG_MAJOR/bin"
        return 0
    fi
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] && candidates+=("$d")
    done
    if ((${#candidates[@]} > 0)); then
        printf '%s\n' "${candidates[@]}" | sort -V | tail -n 1
        return 0
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

# True when the server in PGBIN has the postgis extension files available.
has_postgis() {
    local pgbin=$1 sharedir major
    if [[ -x $pgbin/pg_config ]] && sharedir=$("$pgbin/pg_config" --sharedir 2>/dev/null); then
        [[ -f $sharedir/extension/postgis.control ]] && return 0
    fi
    # Debian keeps server files in /usr/share/postgresql/MAJOR even when pg_config is absent.
    major=$("$pgbin/postgres" --version 2>/dev/null | sed -nE 's/^[^0-9]*([0-9]+).*/\1/p') || true
    [[ -n $major && -f /usr/share/postgresql/$major/extension/postgis.control ]]
}

# Installs PostgreSQL + PostGIS with apt (root only). Serialised with flock so that two
# concurrent `start`s do not fight over the dpkg lock.
apt_install_postgis() {
    local pkg=$1
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL/PostGIS missing and apt-get not found; install PostgreSQL with PostGIS 3 (e.g. $APT_PACKAGE) yourself"
    local lock=/var/lock/gridserver-postgis-install.lock
    (
        flock -w 900 9 || die "timed out waiting for another installer ($lock)"
        # Another start may have installed it while we waited for the lock.
        local bin
        if bin=$(find_pg_bin) && has_postgis "$bin"; then
            exit 0
        fi
        local t0=$SECONDS aptlog
        aptlog=$(mktemp /tmp/gridserver-apt.XXXXXX.log)
        log "installing $pkg with apt-get (once; about 20 s) ..."
        export DEBIAN_FRONTEND=noninteractive
        # apt/dpkg chatter goes to a log that is shown only when something fails.
        # 9>&-: a daemon started by a package's postinst must not inherit (and hold) the lock.
        if ! apt-get update -qq -o Dpkg::Use-Pty=0 >"$aptlog" 2>&1 </dev/null 9>&-; then
            cat "$aptlog" >&2
            die "apt-get update failed (log: $aptlog)"
        fi
        if ! apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 \
            -o DPkg::Lock::Timeout=600 "$pkg" >>"$aptlog" 2>&1 </dev/null 9>&-; then
            tail -n 40 "$aptlog" >&2
            die "apt-get install $pkg failed (log: $aptlog)"
        fi
        rm -f -- "$aptlog"
        log "installed $pkg in $((SECONDS - t0)) s"
    ) 9>"$lock"
}

# Sets PGBIN, installing what is missing when possible.
ensure_postgres() {
    local bin=""
    bin=$(find_pg_bin) || bin=""
    if [[ -n $bin ]] && has_postgis "$bin"; then
        PGBIN=$bin
        return 0
    fi
    local what="PostgreSQL server binaries (initdb, pg_ctl)"
    [[ -n $bin ]] && what="the PostGIS extension for the PostgreSQL in $bin"
    if ! is_root || ! command -v apt-get >/dev/null 2>&1; then
        die "$what not found. Install PostgreSQL with PostGIS 3, e.g. on Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y $APT_PACKAGE
(or run this script as root, which installs it)"
    fi
    # Match an already installed major version when apt knows the postgis package for it.
    local pkg=$APT_PACKAGE major
    if [[ -n $bin && $bin == /usr/lib/postgresql/*/bin ]]; then
        major=${bin#/usr/lib/postgresql/}
        major=${major%/bin}
        if [[ $major != "$PREFERRED_PG_MAJOR" ]] && apt-cache show "postgresql-$major-postgis-3" >/dev/null 2>&1; then
            pkg="postgresql-$major-postgis-3"
        fi
    fi
    apt_install_postgis "$pkg" || die "installing $pkg failed"
    bin=$(find_pg_bin) || die "PostgreSQL binaries still not found after installing $pkg"
    has_postgis "$bin" || die "PostGIS extension still not found for $bin after installing $pkg"
    PGBIN=$bin
}

# psql to use as a client: the server's own if present, else any on PATH.
psql_bin() {
    if [[ -n ${PGBIN:-} && -x $PGBIN/psql ]]; then
        echo "$PGBIN/psql"
    elif command -v psql >/dev/null 2>&1; then
        command -v psql
    else
        die "psql not found (install postgresql-client)"
    fi
}

# ---------------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------------

# True when something already listens on 127.0.0.1:PORT (or on all addresses).
port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        # Local address column ends in :PORT (covers 0.0.0.0, 127.0.0.1, [::], *).
        ss -Hltn 2>/dev/null | awk -v p=":$port" '{ if (substr($4, length($4) - length(p) + 1) == p) found = 1 } END { exit !found }' \
            && return 0
    fi
    # Fallback / double check: a connect that succeeds means the port is taken.
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    return 1
}

# Prints a random free port below the kernel's ephemeral range (so outgoing connections are
# unlikely to be sitting on it). Free now is not free later: the caller retries on bind errors.
pick_free_port() {
    local low=20000 high=32767 eph_low _ port i
    if read -r eph_low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && ((eph_low > low + 1000)); then
        high=$((eph_low - 1))
    fi
    for ((i = 0; i < 200; i++)); do
        port=$((low + (RANDOM * 32768 + RANDOM) % (high - low + 1)))
        if ! port_in_use "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free port found between $low and $high"
}

# ---------------------------------------------------------------------------------------------
# Connection strings
# ---------------------------------------------------------------------------------------------

# Parses an Npgsql (ADO.NET) connection string into the libpq environment PGHOST, PGPORT, PGUSER,
# PGPASSWORD, PGDATABASE (exported). Keys are case-insensitive; values may be quoted with "..."
# or '...' (a doubled quote inside stands for one), as DbConnectionStringBuilder allows.
# The password travels in the environment, never on a command line.
parse_npgsql_connstr() {
    local s=$1 i=0 n=${#1} key val c q
    unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE PGSERVICE
    while ((i < n)); do
        # key: up to '='
        key=""
        while ((i < n)); do
            c=${s:i:1}
            [[ $c == "=" ]] && break
            [[ $c == ";" ]] && { key=""; ((i += 1)); continue; }
            key+=$c
            ((i += 1))
        done
        ((i < n)) || { [[ -z ${key//[[:space:]]/} ]] && break; die "malformed connection string near '$key'"; }
        ((i += 1)) # skip '='
        # skip spaces before the value
        while ((i < n)) && [[ ${s:i:1} == [[:space:]] ]]; do ((i += 1)); done
        val=""
        c=${s:i:1}
        if [[ $c == '"' || $c == "'" ]]; then
            q=$c
            ((i += 1))
            while ((i < n)); do
                c=${s:i:1}
                if [[ $c == "$q" ]]; then
                    if [[ ${s:i+1:1} == "$q" ]]; then val+=$q; ((i += 2)); continue; fi
                    ((i += 1)); break
                fi
                val+=$c
                ((i += 1))
            done
            # skip to the next ';'
            while ((i < n)) && [[ ${s:i:1} != ";" ]]; do ((i += 1)); done
        else
            while ((i < n)) && [[ ${s:i:1} != ";" ]]; do val+=${s:i:1}; ((i += 1)); done
            val=${val%"${val##*[![:space:]]}"}   # trim trailing spaces
        fi
        ((i += 1)) # skip ';'
        # normalise the key: trim, lower case, drop inner spaces ("User Id" -> "userid")
        key=${key,,}
        key=${key//[[:space:]]/}
        case $key in
            host | server) export PGHOST=$val ;;
            port) export PGPORT=$val ;;
            username | userid | user | uid) export PGUSER=$val ;;
            password | pwd | psw) export PGPASSWORD=$val ;;
            database | db | initialcatalog) export PGDATABASE=$val ;;
            sslmode) export PGSSLMODE=${val,,} ;;
            *) : ;; # pooling, timeouts, ... mean nothing to psql
        esac
    done
    [[ -n ${PGHOST:-} ]] || die "connection string has no Host"
}

# Loads DIR's state file into PGROOT, PGPORT, PGBIN, CONNSTR.
load_state() {
    local dir=$1
    [[ -f $dir/$STATE_FILE_NAME ]] || die "$dir has no $STATE_FILE_NAME (not started by this script?)"
    # shellcheck disable=SC1090
    source "$dir/$STATE_FILE_NAME"
}

# Sets up the libpq environment from either a DIR made by 'start' or an Npgsql connection string.
connect_env() {
    local target=$1
    if [[ -d $target ]]; then
        load_state "$target"
        parse_npgsql_connstr "$CONNSTR"
    elif [[ $target == *=* ]]; then
        parse_npgsql_connstr "$target"
    else
        die "'$target' is neither a server directory nor a connection string"
    fi
}

# ---------------------------------------------------------------------------------------------
# migrate
# ---------------------------------------------------------------------------------------------

# The one migration runner is the server's own `migrate` verb (DbUp, silo/Hosting/MigrateCommand.cs and
# grains/Storage/SchemaMigrations.cs): it applies gis-data/migrations/V*.sql not yet recorded in
# gridserver.schema_migrations, each in a transaction with its record, taking turns with concurrent runs under an
# advisory lock. This script only finds the database and runs it, building the server first when its build is
# missing or older than a migration.
cmd_migrate() {
    (($# == 1)) || die "usage: migrate CONNSTR|DIR"
    local connstr
    if [[ -d $1 ]]; then
        load_state "$1"
        connstr=$CONNSTR
    elif [[ $1 == *=* ]]; then
        connstr=$1
    else
        die "'$1' is neither a server directory nor a connection string"
    fi
    [[ -d $MIGRATIONS_DIR ]] || die "no migrations directory $MIGRATIONS_DIR"
    command -v dotnet >/dev/null 2>&1 || die "dotnet is needed: the migrations are applied by the server's migrate verb"
    local bin="$REPO_ROOT/silo/bin/Release/net10.0"
    if [[ ! -f $bin/GridServer.Silo.dll || ! -f $bin/GridServer.Storage.dll ]] \
        || [[ -n $(find "$MIGRATIONS_DIR" -maxdepth 1 -name 'V*.sql' -newer "$bin/GridServer.Storage.dll" -print -quit) ]]; then
        log "building the server (Release) for its migrate verb"
        dotnet build "$REPO_ROOT/silo" -c Release -nologo -v quiet >&2 || die "building the server failed"
    fi
    dotnet "$bin/GridServer.Silo.dll" migrate --postgres "$connstr" >&2 || die "the migrations failed (see above); nothing of the failed one was applied"
}

# ---------------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------------

# True when the server in PGBIN ships pg_stat_statements (Debian's postgresql-NN package does).
has_pg_stat_statements() {
    [[ -f $PGBIN/../lib/pg_stat_statements.so ]] && return 0
    local libdir
    [[ -x $PGBIN/pg_config ]] && libdir=$("$PGBIN/pg_config" --pkglibdir 2>/dev/null) && [[ -f $libdir/pg_stat_statements.so ]]
}

# Settings written to DIR/data/gridserver.conf, included from postgresql.conf, so that a plain
# `pg_ctl start` on the data directory later brings the server back the same way.
write_server_conf() {
    local data=$1 root=$2 port=$3 fast=$4
    {
        echo "# Written by scripts/postgis.sh; included from postgresql.conf."
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$root'"
        # Test projects run in parallel, each with its own connection pool.
        echo "max_connections = 200"
        echo "timezone = 'UTC'"
        if has_pg_stat_statements; then
            # Counts of every statement the server runs, read by the benchmarks (bench/GridServer.Bench: statements
            # per report); the databases that want them run CREATE EXTENSION pg_stat_statements themselves.
            echo "shared_preload_libraries = 'pg_stat_statements'"
        fi
        if [[ $fast == 1 ]]; then
            echo "# --fast: throw-away server; a crash may lose or corrupt data."
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } >"$data/gridserver.conf"
}

# The cleanup that runs if `start` fails after it began creating things.
START_CLEANUP_DIR=""
START_CREATED_DIR=0
start_cleanup() {
    local rc=$?
    if ((rc != 0)) && [[ -n $START_CLEANUP_DIR ]]; then
        log "start failed; cleaning up $START_CLEANUP_DIR"
        if [[ -f $START_CLEANUP_DIR/data/postmaster.pid ]]; then
            as_pg_user "$PGBIN/pg_ctl" -D "$START_CLEANUP_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        if ((START_CREATED_DIR)); then
            [[ -f $START_CLEANUP_DIR/server.log ]] && tail -n 20 "$START_CLEANUP_DIR/server.log" >&2
            rm -rf -- "$START_CLEANUP_DIR"
        fi
    fi
    return "$rc"
}

# Prints the connection string on stdout and nothing else: start_impl's output all goes to
# stderr. (Not `exec 3>&1` + `echo >&3`: the server and any daemon apt starts would inherit
# fd 3 and keep a caller's `$(...)` waiting forever. Bash's own saved copy of stdout here is
# close-on-exec, so no child holds it.)
START_RESULT=""
cmd_start() {
    local a
    for a in "$@"; do
        [[ $a == -h || $a == --help ]] && { usage; return 0; }
    done
    start_impl "$@" >&2
    printf '%s\n' "$START_RESULT"
}

start_impl() {
    local dir="" port="" fast=0
    while (($# > 0)); do
        case $1 in
            --dir) [[ $# -ge 2 ]] || die "--dir needs a value"; dir=$2; shift 2 ;;
            --dir=*) dir=${1#--dir=}; shift ;;
            --port) [[ $# -ge 2 ]] || die "--port needs a value"; port=$2; shift 2 ;;
            --port=*) port=${1#--port=}; shift ;;
            --fast) fast=1; shift ;;
            *) die "start: unknown argument '$1' (see --help)" ;;
        esac
    done
    [[ -z $port || $port =~ ^[0-9]+$ ]] || die "--port must be a number"

    ensure_postgres
    log "using PostgreSQL in $PGBIN ($("$PGBIN/postgres" --version))"
    is_root && ! id postgres >/dev/null 2>&1 && die "running as root but there is no 'postgres' user to run the server"

    trap start_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local reuse=0
    if [[ -z $dir ]]; then
        dir=$(mktemp -d /tmp/gridserver-pg.XXXXXX)
        START_CREATED_DIR=1
    elif [[ ! -e $dir ]]; then
        mkdir -p -- "$dir"
        START_CREATED_DIR=1
    elif [[ -d $dir && -f $dir/$MARKER_NAME && -f $dir/data/PG_VERSION ]]; then
        reuse=1
    elif [[ -d $dir && -z $(ls -A -- "$dir") ]]; then
        START_CREATED_DIR=1   # an empty directory handed to us: ours to clean up on failure
    else
        die "$dir exists and is neither empty nor a server directory made by this script"
    fi
    dir=$(cd "$dir" && pwd)
    START_CLEANUP_DIR=$dir
    local data=$dir/data

    if ((reuse)); then
        log "reusing the cluster in $dir"
        if as_pg_user "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            load_state "$dir"
            log "server already running on port $PGPORT"
            START_CLEANUP_DIR=""
            cmd_migrate "$dir"
            START_RESULT=$CONNSTR
            return 0
        fi
        # keep the old port if it is still free
        if [[ -z $port && -f $dir/$STATE_FILE_NAME ]]; then
            # shellcheck disable=SC1090,SC1091
            port=$(source "$dir/$STATE_FILE_NAME" && echo "${PGPORT:-}")
            if [[ -n $port ]] && port_in_use "$port"; then port=""; fi
        fi
    else
        : >"$dir/$MARKER_NAME"
        # The server user must own DIR (data dir and socket live there) and reach it.
        if is_root; then
            chown postgres:postgres "$dir" "$dir/$MARKER_NAME"
            chmod 0700 "$dir"
            runuser -u postgres -- test -w "$dir" \
                || die "user postgres cannot write $dir (is a parent directory private?); use a --dir under /tmp"
        fi
        local locale=C.UTF-8
        # Minimal systems may lack C.UTF-8; plain C with UTF8 encoding is equivalent for us.
        if command -v locale >/dev/null 2>&1 && ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
            locale=C
        fi
        local -a initdb_extra=()
        ((fast)) && initdb_extra+=(--no-sync)   # a throw-away cluster need not be flushed to disk
        log "initdb in $data"
        as_pg_user "$PGBIN/initdb" -D "$data" -U "$DB_USER" --auth=trust -E UTF8 --locale="$locale" \
            "${initdb_extra[@]}" >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
        echo "include_if_exists = 'gridserver.conf'" >>"$data/postgresql.conf"
    fi

    # Start, retrying on another port when someone grabbed ours in the meantime (a concurrent
    # start may have probed the same port a moment ago).
    local attempt user_port=$port started=0 log_lines
    for ((attempt = 1; attempt <= 5; attempt++)); do
        [[ -n $port ]] || port=$(pick_free_port)
        write_server_conf "$data" "$dir" "$port" "$fast"
        is_root && chown postgres:postgres "$data/gridserver.conf"
        log "starting server on 127.0.0.1:$port (fast=$fast)"
        # Only this attempt's part of the log counts when looking for a bind error.
        log_lines=0
        [[ -f $dir/server.log ]] && log_lines=$(wc -l <"$dir/server.log")
        if as_pg_user "$PGBIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
            started=1
            break
        fi
        if [[ -z $user_port ]] && tail -n +"$((log_lines + 1))" "$dir/server.log" 2>/dev/null \
            | grep -qiE 'could not (bind|create listen)|address already in use'; then
            log "port $port was taken; trying another"
            port=""
            continue
        fi
        tail -n 20 "$dir/server.log" >&2 || true
        die "server did not start (log: $dir/server.log)"
    done
    ((started)) || die "server did not start after $((attempt - 1)) attempts (log: $dir/server.log)"

    local connstr="Host=127.0.0.1;Port=$port;Username=$DB_USER;Database=$DB_NAME"
    {
        echo "# Written by scripts/postgis.sh start. Source it, or use: scripts/postgis.sh psql DIR"
        printf 'PGROOT=%q\n' "$dir"
        printf 'PGPORT=%q\n' "$port"
        printf 'PGBIN=%q\n' "$PGBIN"
        printf 'CONNSTR=%q\n' "$connstr"
    } >"$dir/$STATE_FILE_NAME"

    # Create the database and PostGIS (idempotent: a reused cluster has them already).
    local psql
    psql=$(psql_bin)
    local -a admin=("$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$DB_USER")
    if [[ $("${admin[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") != 1 ]]; then
        "${admin[@]}" -d postgres -c "CREATE DATABASE $DB_NAME" || die "CREATE DATABASE failed"
    fi
    PGOPTIONS="-c client_min_messages=warning" "${admin[@]}" -d "$DB_NAME" \
        -c "CREATE EXTENSION IF NOT EXISTS postgis" || die "CREATE EXTENSION postgis failed"

    cmd_migrate "$dir"

    START_CLEANUP_DIR=""   # success: keep everything
    log "ready: $dir (stop with: scripts/postgis.sh stop $dir)"
    START_RESULT=$connstr
}

# ---------------------------------------------------------------------------------------------
# stop / psql
# ---------------------------------------------------------------------------------------------

# Stops the server of DIR (made by 'start') when it runs; keeps DIR.
stop_server() {
    local dir=$1
    [[ -f $dir/data/postmaster.pid ]] || return 0
    local bin=""
    if [[ -f $dir/$STATE_FILE_NAME ]]; then
        # shellcheck disable=SC1090,SC1091
        bin=$(source "$dir/$STATE_FILE_NAME" && echo "${PGBIN:-}")
    fi
    [[ -n $bin && -x $bin/pg_ctl ]] || bin=$(find_pg_bin) || die "pg_ctl not found"
    PGBIN=$bin
    if as_pg_user "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        log "stopping server in $dir"
        as_pg_user "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null \
            || as_pg_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null \
            || die "could not stop the server in $dir"
    fi
}

cmd_stop() {
    (($# <= 1)) || die "usage: stop [DIR]"
    local dir=${1:-${GRIDSERVER_PG_DIR:-}}
    [[ -n $dir ]] || die "stop: no DIR given and GRIDSERVER_PG_DIR is not set"
    if [[ ! -e $dir ]]; then
        log "$dir does not exist; nothing to stop"
        return 0
    fi
    [[ -d $dir ]] || die "$dir is not a directory"
    if [[ ! -f $dir/$MARKER_NAME ]]; then
        # An empty directory (e.g. made by a caller for a start that then failed) is harmless.
        if [[ -z $(ls -A -- "$dir") ]]; then
            rmdir -- "$dir"
            return 0
        fi
        die "refusing to remove $dir: it was not created by scripts/postgis.sh start"
    fi
    stop_server "$dir"
    rm -rf -- "$dir"
    log "removed $dir"
}

cmd_pause() {
    (($# == 1)) || die "usage: pause DIR"
    local dir=$1
    [[ -d $dir && -f $dir/$MARKER_NAME ]] || die "$dir is not a server directory made by scripts/postgis.sh start"
    stop_server "$dir"
    log "stopped the server in $dir and kept its data; 'start --dir $dir' starts it again"
}

# ---------------------------------------------------------------------------------------------
# backup / restore
# ---------------------------------------------------------------------------------------------

# A client tool (pg_dump, pg_restore) beside the server binaries, or on PATH.
client_bin() {
    local tool=$1 dir
    dir=$(find_pg_bin 2>/dev/null || true)
    if [[ -n $dir && -x $dir/$tool ]]; then
        echo "$dir/$tool"
    elif command -v "$tool" >/dev/null 2>&1; then
        command -v "$tool"
    else
        die "$tool not found (install postgresql-client)"
    fi
}

# A consistent dump of a running cluster's database (one snapshot: pg_dump's own transaction), custom format.
cmd_backup() {
    (($# == 2)) || die "usage: backup CONNSTR|DIR FILE"
    connect_env "$1"
    local file=$2 dump
    [[ ! -e $file ]] || die "$file exists: a backup never overwrites one"
    dump=$(client_bin pg_dump)
    "$dump" --format=custom --no-owner --file="$file.partial" || { rm -f -- "$file.partial"; die "pg_dump of $PGDATABASE failed"; }
    mv -- "$file.partial" "$file"
    log "backed up $PGDATABASE to $file"
}

# Restores a backup into an EMPTY database (create it first), then forgets the silos the dump named: a new
# cluster starts on it without waiting for the old silos to be declared dead.
cmd_restore() {
    (($# == 2)) || die "usage: restore CONNSTR|DIR FILE"
    connect_env "$1"
    local file=$2 restore psql tables
    [[ -f $file ]] || die "no backup file $file"
    psql=$(psql_bin)
    tables=$("$psql" -X -q -t -A -c "SELECT count(*) FROM pg_tables WHERE schemaname IN ('gridserver','orleans')") || die "cannot reach $PGDATABASE"
    [[ $tables == 0 ]] || die "$PGDATABASE already holds GridServer's tables: restore into an empty database"
    restore=$(client_bin pg_restore)
    "$restore" --exit-on-error --no-owner --single-transaction --dbname="$PGDATABASE" "$file" || die "pg_restore into $PGDATABASE failed (nothing was restored)"
    "$psql" -X -q -v ON_ERROR_STOP=1 -c "DELETE FROM orleans.membership; UPDATE orleans.membership_version SET version = version + 1" >&2 \
        || die "restored, but the old silos could not be forgotten"
    log "restored $file into $PGDATABASE"
}

cmd_psql() {
    (($# >= 1)) || die "usage: psql DIR [PSQL_ARGS...]"
    local dir=$1
    shift
    load_state "$dir"
    parse_npgsql_connstr "$CONNSTR"
    local psql
    psql=$(psql_bin)
    exec "$psql" -X "$@"
}

main() {
    (($# > 0)) || { usage >&2; exit 2; }
    local cmd=$1
    shift
    case $cmd in
        start) cmd_start "$@" ;;
        migrate) cmd_migrate "$@" ;;
        stop) cmd_stop "$@" ;;
        pause) cmd_pause "$@" ;;
        psql) cmd_psql "$@" ;;
        backup) cmd_backup "$@" ;;
        restore) cmd_restore "$@" ;;
        -h | --help | help) usage ;;
        *) die "unknown command '$cmd' (see --help)" ;;
    esac
}

main "$@"
