#!/usr/bin/env bash
# Runs the whole GridServer test suite: the one command to use, locally and in CI.
#
#   scripts/test.sh                          # everything
#   scripts/test.sh --filter 'FullyQualifiedName~Grid'   # extra args go to `dotnet test`
#
# What it does:
#   1. starts a private, throw-away PostGIS server (scripts/postgis.sh start --fast) and exports
#      GRIDSERVER_TEST_POSTGRES=<Npgsql connection string>; the server is stopped and removed
#      on every exit path (success, failure, Ctrl-C).
#      If GRIDSERVER_TEST_POSTGRES is already set, that database is used instead (migrations are
#      applied to it) and no server is started.
#   2. runs `dotnet test GridServer.sln -c Release` with a TRX logger into a fresh directory;
#   3. sums the TRX counters of all test projects and prints one line:
#        N passed, N failed, N skipped
# Exit status: dotnet test's when it failed (build error, test failure); 1 when it "succeeded"
# but no test ran; 0 otherwise.
#
# Environment knobs:
#   GRIDSERVER_TEST_HANG_TIMEOUT  default 15m: a single test running longer gets its test host
#                                 killed (that project then fails) instead of eating the CI budget
#   GRIDSERVER_TEST_RESULTS_DIR   where the TRX files go (new or empty; kept). By default a fresh
#                                 /tmp/gridserver-test-results.XXXXXX, removed after a green run
#                                 and kept (path printed) after a red one.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '[test.sh] %s\n' "$*" >&2; }

# Sums the <Counters .../> element of every .trx file given and prints
#   "PASSED FAILED SKIPPED TOTAL FILES_WITH_COUNTERS".
# VSTest's TRX logger writes skipped tests (outcome NotExecuted) only into `total`: its
# `executed` is passed+failed and `notExecuted` stays 0. So skipped = total - passed - failed
# (or notExecuted, if a producer ever fills it in and leaves them out of total).
# Plain awk (no python, no xmllint): splitting records at '<' makes each tag one record, however
# the file is wrapped; '<' never appears unescaped inside TRX text.
sum_trx_counters() {
    if (($# == 0)); then
        echo "0 0 0 0 0"
        return 0
    fi
    awk '
        function attr(rec, name,    m) {
            if (match(rec, "[ \t\r\n]" name "=\"[0-9]+\"")) {
                m = substr(rec, RSTART, RLENGTH)
                sub(/^[^"]*"/, "", m)
                sub(/"$/, "", m)
                return m + 0
            }
            return 0
        }
        BEGIN { RS = "<" }
        /^Counters[ \t\r\n\/]/ {
            total = attr($0, "total")
            passed = attr($0, "passed")
            failed = attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted")
            skipped = total - passed - failed
            notexec = attr($0, "notExecuted")
            if (notexec > skipped) skipped = notexec
            if (skipped < 0) skipped = 0
            P += passed; F += failed; S += skipped; T += total; N++
        }
        END { printf "%d %d %d %d %d\n", P, F, S, T, N }
    ' "$@"
}

# Prints the summary line for a results directory and sets PASSED/FAILED/SKIPPED/TRX_COUNT.
PASSED=0 FAILED=0 SKIPPED=0 TRX_COUNT=0
summarize() {
    local dir=$1 f
    local -a trx=()
    if [[ -d $dir ]]; then
        while IFS= read -r -d '' f; do trx+=("$f"); done < <(find "$dir" -type f -name '*.trx' -print0)
    fi
    TRX_COUNT=${#trx[@]}
    read -r PASSED FAILED SKIPPED _ _ < <(sum_trx_counters "${trx[@]}")
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
}

# --- the solution -------------------------------------------------------------------------------
SOLUTION=GridServer.sln
[[ -f $SOLUTION || ! -f GridServer.slnx ]] || SOLUTION=GridServer.slnx

# --- cleanup on every exit path -----------------------------------------------------------------
PG_DIR=""
CLEANED_UP=0
cleanup() {
    ((CLEANED_UP)) && return 0
    CLEANED_UP=1
    if [[ -n $PG_DIR ]]; then
        bash "$REPO_ROOT/scripts/postgis.sh" stop "$PG_DIR" || log "warning: could not stop PostGIS in $PG_DIR"
    fi
    if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
        # Build servers must not outlive a CI job (they would hold its output pipe open).
        dotnet build-server shutdown >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
    export MSBUILDDISABLENODEREUSE=1
fi

command -v dotnet >/dev/null 2>&1 || { log "dotnet not found on PATH (install the .NET 10 SDK)"; echo "0 passed, 0 failed, 0 skipped"; exit 1; }

# --- the web console's build and browser tests ------------------------------------------------------
# The silo's build runs npm (the console's packages, pinned by console/package-lock.json); the browser tests drive
# Debian's Chromium, and need CJK fonts for Chinese text. Installed with apt-get when missing (a fresh CI machine).
ensure_console_tools() {
    local -a missing=()
    command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
    [[ -x /usr/bin/chromium ]] || missing+=(chromium)
    fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || missing+=(fonts-noto-cjk)
    # The third-party GeoReport client test (tests/clients/georeport_client.py) parses XML as the published clients do.
    /usr/bin/python3 -c 'import xmltodict' >/dev/null 2>&1 || missing+=(python3 python3-xmltodict)
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null 2>&1 || { log "missing ${missing[*]} and no apt-get to install them"; return 1; }
    local t0=$SECONDS aptlog
    aptlog=$(mktemp /tmp/gridserver-apt.XXXXXX.log)
    log "installing ${missing[*]} with apt-get (once) ..."
    (
        flock -w 900 9 || exit 1
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq -o Dpkg::Use-Pty=0 </dev/null 9>&- &&
            apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=600 "${missing[@]}" </dev/null 9>&-
    ) 9>/var/lock/gridserver-console-install.lock >"$aptlog" 2>&1 || { tail -n 40 "$aptlog" >&2; log "apt-get install ${missing[*]} failed (log: $aptlog)"; return 1; }
    rm -f -- "$aptlog"
    log "installed ${missing[*]} in $((SECONDS - t0)) s"
}
if ! ensure_console_tools; then
    echo "0 passed, 0 failed, 0 skipped"
    exit 1
fi

# --- results directory ------------------------------------------------------------------------
# A fresh directory, so that only this run's TRX files are summed. It is removed after a fully
# green run and kept (path printed) otherwise, unless GRIDSERVER_TEST_RESULTS_DIR names one to use
# (it must not exist yet or be empty; it is always kept).
KEEP_RESULTS=0
if [[ -n ${GRIDSERVER_TEST_RESULTS_DIR:-} ]]; then
    RESULTS_DIR=$GRIDSERVER_TEST_RESULTS_DIR
    mkdir -p -- "$RESULTS_DIR"
    if [[ -n $(ls -A -- "$RESULTS_DIR") ]]; then
        log "GRIDSERVER_TEST_RESULTS_DIR=$RESULTS_DIR is not empty; old TRX files would be counted"
        echo "0 passed, 0 failed, 0 skipped"
        exit 1
    fi
    RESULTS_DIR=$(cd "$RESULTS_DIR" && pwd)
    KEEP_RESULTS=1
else
    RESULTS_DIR=$(mktemp -d /tmp/gridserver-test-results.XXXXXX)
fi

# --- PostGIS ------------------------------------------------------------------------------------
if [[ -n ${GRIDSERVER_TEST_POSTGRES:-} ]]; then
    log "using the database from GRIDSERVER_TEST_POSTGRES (no private server started)"
    if ! bash "$REPO_ROOT/scripts/postgis.sh" migrate "$GRIDSERVER_TEST_POSTGRES"; then
        log "could not migrate that database; no tests were run"
        echo "0 passed, 0 failed, 0 skipped"
        exit 1
    fi
else
    PG_DIR=$(mktemp -d /tmp/gridserver-pg.XXXXXX)
    if ! GRIDSERVER_TEST_POSTGRES=$(bash "$REPO_ROOT/scripts/postgis.sh" start --fast --dir "$PG_DIR"); then
        log "could not start PostGIS; no tests were run"
        echo "0 passed, 0 failed, 0 skipped"
        exit 1
    fi
    export GRIDSERVER_TEST_POSTGRES
    export GRIDSERVER_PG_DIR=$PG_DIR
    log "PostGIS: $GRIDSERVER_TEST_POSTGRES ($PG_DIR)"
fi

# --- dotnet test --------------------------------------------------------------------------------
log "test results (TRX) go to $RESULTS_DIR"

# LogFilePrefix, not LogFileName: with a fixed LogFileName every test project of the solution
# writes the same file and only the last one survives (microsoft/vstest#15673). The prefix gets
# the framework and a timestamp appended, one file per project.
dotnet_rc=0
dotnet test "$SOLUTION" -c Release \
    --logger "trx;LogFilePrefix=gridserver" \
    --results-directory "$RESULTS_DIR" \
    --blame-hang-timeout "${GRIDSERVER_TEST_HANG_TIMEOUT:-15m}" --blame-hang-dump-type none \
    "$@" || dotnet_rc=$?

# Stop the server before the summary so that the summary is the last line of output.
cleanup

echo
summarize "$RESULTS_DIR"

if ((dotnet_rc != 0)); then
    log "dotnet test failed (exit code $dotnet_rc; $TRX_COUNT TRX file(s) in $RESULTS_DIR)"
    exit "$dotnet_rc"
fi
if ((FAILED > 0)); then
    log "dotnet test exited 0 but the TRX files report $FAILED failure(s)"
    exit 1
fi
if ((PASSED + FAILED == 0)); then
    log "no tests ran ($TRX_COUNT TRX file(s) in $RESULTS_DIR)"
    exit 1
fi
((KEEP_RESULTS)) || rm -rf -- "$RESULTS_DIR"
exit 0
