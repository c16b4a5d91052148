#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and in_chroot are called indirectly
# shellcheck disable=SC2016  # the driver's $HOME is for the chroot's shell
# fresh-debian-check.sh: does the README's "On a fresh Debian 12 machine"
# section work on a stock Debian 12, as a brand-new user would run it?
#
# What it does, in order (see docs/fresh-debian-check.md for more):
#   1. debootstrap a stock Debian 12 (bookworm) into --root, with
#      bookworm-updates and bookworm-security in sources.list like a real
#      install, plus only `git` and `ca-certificates` (no compiler, no node:
#      the README's install command has to bring those itself). With --reuse an
#      earlier base is kept; the base itself is never changed by a check.
#   2. For each case (root, user, nosudo) it lays a throw-away overlay over the
#      base, mounts /proc, /sys, /dev, /dev/pts and a fresh /dev/shm into it,
#      copies /etc/resolv.conf, and git-clones the repository into the user's
#      home (~/rill). Everything is unmounted on exit, whatever happens.
#   3. It reads the first two ```sh blocks under the README heading "On a
#      fresh Debian 12 machine" from the clone's README.md and runs each one
#      verbatim in ~/rill, in a login shell of the case's user. Bash's xtrace
#      (to a side file, not to the log) records when each `&&` part started,
#      so the report can say which part failed and how long each took.
#   4. The first command ends by starting build/bin/rill-chat, a GUI app that
#      runs until closed. The line is run as written; a watchdog on the host
#      stops rill-chat (SIGTERM, then SIGKILL) once it has run --gui-seconds.
#      With no display in the chroot it usually exits by itself first; the
#      report says which. Then rill-chat is run again under `xvfb-run -a`
#      (xvfb comes with the install script) to see whether it gets as far as
#      printing its "rill-chat: ..." line and keeps running.
#   5. A report table (case, step, result, seconds) is printed and saved in
#      the log folder, with one full log per step.
#
# Cases:
#   root    both commands as root
#   user    as user `dev`, who has sudo (NOPASSWD) like a desktop install's user
#   nosudo  as user `dev` without sudo (package not even installed): the
#           install command is expected to fail, telling the user what to do
#   all     root, then user (default)
#
# Needs: root on the host (debootstrap, chroot, mount), network to
# deb.debian.org and registry.npmjs.org, about 10 GB of disk per case.
# A full case takes 40-90 minutes on 2 cores (downloads, then the build).
set -euo pipefail

# --------------------------------------------------------------------------
# Settings and command line
# --------------------------------------------------------------------------

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

ROOT=/var/tmp/rill-fresh-debian  # the debootstrap (the pristine base)
LOGS=""                          # default: ROOT/../rill-fresh-logs
REPO=""                          # default: the repository holding this script
BRANCH=""                        # default: main for the default repo
AS=all
REUSE=0
VARIANT=""                       # debootstrap's default variant unless --minbase
GUI_SECONDS=60                   # how long rill-chat may run in each try
STEP_TIMEOUT=14400               # hard limit for any one step, in seconds
APT_CACHE=1                      # share downloaded .debs between cases
HOST_CA=1                        # trust the host's site-local CA certificates
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
SUITE=bookworm

usage() {
  cat <<EOF
Usage: sudo $0 [options]

Checks the README's "On a fresh Debian 12 machine" commands in a freshly
debootstrapped Debian 12 chroot, as root and/or as a new user, and prints a
report (case, step, result, seconds). Exits non-zero if a step that should
pass failed.

Options:
  --as CASE          root | user | nosudo | all (default: all = root, then user)
  --root DIR         where the Debian 12 base lives (default: $ROOT)
  --reuse            keep an existing, complete base in --root instead of
                     debootstrapping again (each case still starts from the
                     untouched base: cases run on a throw-away overlay)
  --minbase          debootstrap --variant=minbase (default: the default variant,
                     which is closer to a real install)
  --repo PATH|URL    repository to clone (default: the one holding this script,
                     $(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null || echo "$script_dir/.."))
  --branch NAME      branch to clone (default: main for the default repository,
                     else the remote's default branch)
  --logs DIR         log folder (default: DIR-of-root/rill-fresh-logs); each run
                     writes a run-DATE subfolder there
  --gui-seconds N    how long rill-chat may run before it is stopped (default $GUI_SECONDS)
  --step-timeout N   hard limit for any one step in seconds (default $STEP_TIMEOUT)
  --no-apt-cache     don't share downloaded .deb files between cases
  --no-host-ca       don't copy the host's site-local CA certificates
                     (/usr/local/share/ca-certificates) into the chroot; needed
                     on networks that intercept TLS, where npm fails otherwise
  -h, --help         this text

Needs root, network to deb.debian.org and registry.npmjs.org, ~10 GB of disk
per case. A case takes roughly 40-90 minutes on 2 cores.
Each case's chroot is left in ROOT-cases/CASE/merged's upper layer
(ROOT-cases/CASE/upper) for inspection and is wiped when that case runs again.
EOF
}

die() { echo "fresh-debian-check: $*" >&2; exit 2; }
say() { echo "fresh-debian-check: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --as) AS="${2:?--as needs root, user, nosudo or all}"; shift 2 ;;
    --root) ROOT="${2:?--root needs a folder}"; shift 2 ;;
    --reuse) REUSE=1; shift ;;
    --minbase) VARIANT=minbase; shift ;;
    --repo) REPO="${2:?--repo needs a path or URL}"; shift 2 ;;
    --branch) BRANCH="${2:?--branch needs a name}"; shift 2 ;;
    --logs) LOGS="${2:?--logs needs a folder}"; shift 2 ;;
    --gui-seconds) GUI_SECONDS="${2:?--gui-seconds needs a number}"; shift 2 ;;
    --step-timeout) STEP_TIMEOUT="${2:?--step-timeout needs a number}"; shift 2 ;;
    --no-apt-cache) APT_CACHE=0; shift ;;
    --no-host-ca) HOST_CA=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fresh-debian-check: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

case "$AS" in
  root|user|nosudo) CASES=("$AS") ;;
  all) CASES=(root user) ;;
  *) die "--as must be root, user, nosudo or all, not '$AS'" ;;
esac
[[ "$GUI_SECONDS" =~ ^[0-9]+$ ]] || die "--gui-seconds must be a number of seconds"
[[ "$STEP_TIMEOUT" =~ ^[0-9]+$ ]] || die "--step-timeout must be a number of seconds"

if [ "$(id -u)" != 0 ]; then
  die "this check must run as root on the host (debootstrap, chroot and mount need it): sudo $0 $*"
fi

# Absolute, canonical paths: processes inside a chroot are found by comparing
# /proc/PID/root with these, so no symlink may stand in the way.
mkdir -p "$(dirname "$ROOT")"
ROOT="$(realpath -m "$ROOT")"
case "$ROOT" in /|/bin|/boot|/dev|/etc|/home|/lib*|/proc|/root|/run|/sbin|/sys|/tmp|/usr|/var|/var/tmp)
  die "refusing --root $ROOT" ;;
esac
CASES_DIR="$ROOT-cases"           # one overlay per case
APT_CACHE_DIR="$ROOT-apt-archives"
[ -n "$LOGS" ] || LOGS="$(dirname "$ROOT")/rill-fresh-logs"
RUN_LOGS="$LOGS/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN_LOGS"
RUN_LOGS="$(realpath "$RUN_LOGS")"

# The repository: a local path is bind-mounted read-only into the chroot and
# cloned from there; a URL is cloned directly.
if [ -z "$REPO" ]; then
  REPO="$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null || (cd "$script_dir/.." && pwd))"
  [ -n "$BRANCH" ] || BRANCH=main
fi
REPO_IS_LOCAL=0
if [ -d "$REPO" ]; then REPO_IS_LOCAL=1; REPO="$(realpath "$REPO")"; fi

# --------------------------------------------------------------------------
# Mounts, processes inside a chroot, and cleaning up on exit
# --------------------------------------------------------------------------

MOUNTS=()   # every mount point this script made, in order

do_mount() {  # do_mount MOUNTPOINT mount-arguments...: mount and remember it
  local target=$1; shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
}

bind_mount() {  # bind_mount SOURCE TARGET: a bind mount that sends nothing back
  do_mount "$2" --bind "$1"
  # A bind of a shared mount would pass mounts made below it (our /dev/shm)
  # back to the host; as a slave it only receives.
  mount --make-rslave "$2"
}

pids_in_root() {  # pids_in_root DIR [COMM]: processes whose root is DIR
  local p r
  for p in /proc/[0-9]*; do
    r="$(readlink "$p/root" 2>/dev/null)" || continue
    [ "$r" = "$1" ] || continue
    if [ -n "${2:-}" ] && [ "$(cat "$p/comm" 2>/dev/null)" != "$2" ]; then continue; fi
    echo "${p#/proc/}"
  done
}

kill_in_root() {  # kill_in_root DIR: end whatever still runs in a chroot
  local pids
  pids="$(pids_in_root "$1")"
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086  # one PID per word
  kill -TERM $pids 2>/dev/null || true
  sleep 3
  pids="$(pids_in_root "$1")"
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
}

CHROOTS=()  # chroot roots whose processes must be ended before unmounting

unmount_all() {
  local dir i
  for dir in "${CHROOTS[@]}"; do kill_in_root "$dir"; done
  CHROOTS=()
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null ||
      echo "fresh-debian-check: could not unmount ${MOUNTS[i]}" >&2
  done
  MOUNTS=()
  # Anything still mounted under the cases (a signal between a mount and its
  # bookkeeping), deepest first.
  local leftover
  while read -r leftover; do
    umount "$leftover" 2>/dev/null || umount -l "$leftover" 2>/dev/null || true
  done < <(awk -v base="$ROOT-cases/" 'index($2, base) == 1 { print $2 }' /proc/mounts | sort -r)
}

WATCHDOG_PID=""
cleanup() {
  trap '' INT TERM HUP # a second signal must not cut the unmounting short
  if [ -n "$WATCHDOG_PID" ]; then kill "$WATCHDOG_PID" 2>/dev/null || true; fi
  unmount_all
}
trap cleanup EXIT
trap 'echo "fresh-debian-check: interrupted" >&2; exit 130' INT TERM HUP

# refuse to delete a folder that still has something mounted below it
assert_nothing_mounted_under() {
  if awk -v d="$1/" '{ if (index($2 "/", d) == 1) found = 1 } END { exit !found }' /proc/mounts; then
    die "something is still mounted under $1 (see /proc/mounts); unmount it first"
  fi
}

mount_system_dirs() {  # mount_system_dirs CHROOT: /proc, /sys, /dev... and DNS
  local dir=$1
  do_mount "$dir/proc" -t proc proc
  bind_mount /sys "$dir/sys"
  bind_mount /dev "$dir/dev"
  bind_mount /dev/pts "$dir/dev/pts"
  do_mount "$dir/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev tmpfs
  CHROOTS+=("$dir")
  # resolv.conf may be a symlink in the base (systemd-resolved): replace it
  rm -f "$dir/etc/resolv.conf"
  cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
}

# --------------------------------------------------------------------------
# Running one step, and the results
# --------------------------------------------------------------------------

R_CASE=() R_STEP=() R_RESULT=() R_SECS=()
NOTES=()
FAILED=0

# add_result CASE STEP KIND RC SECONDS [TEXT]
#   KIND pass: ok if RC is 0, else FAIL (and the check fails);
#   info: reported, never fails the check; expect-fail: should fail.
add_result() {
  local case=$1 step=$2 kind=$3 rc=$4 secs=$5 text=${6:-}
  local result
  case "$kind" in
    pass)
      if [ "$rc" = 0 ]; then result="ok (exit 0)"; else result="FAIL (exit $rc)"; FAILED=1; fi ;;
    info) result="info (exit $rc)" ;;
    expect-fail)
      if [ "$rc" != 0 ]; then result="failed as expected (exit $rc)"; else result="UNEXPECTED ok (exit 0)"; fi ;;
    skip) result="not run" ;;
  esac
  [ -z "$text" ] || result="$result: $text"
  R_CASE+=("$case") R_STEP+=("$step") R_RESULT+=("$result") R_SECS+=("$secs")
  printf 'fresh-debian-check: [%s] %s: %s (%s s)\n' "$case" "$step" "$result" "$secs"
}

STEP_RC=0 STEP_SECS=0 STEP_END=0
run_logged() {  # run_logged LOGFILE command...: output to LOGFILE, sets STEP_RC, STEP_SECS
  local log=$1; shift
  local t0
  t0="$(date +%s)"
  say "running: $* (log: $log)"
  set +e
  "$@" </dev/null >"$log" 2>&1
  STEP_RC=$?
  set -e
  STEP_END="$(date +%s.%N)"
  STEP_SECS=$(( $(date +%s) - t0 ))
}

in_chroot() {  # in_chroot DIR USER COMMAND: a login shell of USER in the chroot
  timeout --kill-after=30 "$STEP_TIMEOUT" \
    chroot "$1" /usr/sbin/runuser -l "$2" -c "$3"
}

# --------------------------------------------------------------------------
# The Debian 12 base
# --------------------------------------------------------------------------

MARKER="$ROOT/.rill-fresh-debian"   # "complete" once the base is ready

make_base() {
  local t0 log="$RUN_LOGS/00-debootstrap.log"
  if [ "$REUSE" = 1 ] && grep -qx complete "$MARKER" 2>/dev/null; then
    say "reusing the Debian 12 base in $ROOT (made $(stat -c %y "$MARKER" | cut -d. -f1))"
    add_result base "debootstrap (reused)" pass 0 0
    return
  fi
  # Start fresh: remove only a folder this script made (it has the marker),
  # or an empty one.
  if [ -e "$ROOT" ]; then
    assert_nothing_mounted_under "$ROOT"
    if [ -f "$MARKER" ]; then
      say "removing the old base in $ROOT"
      rm -rf --one-file-system "$ROOT"
    elif [ -n "$(ls -A "$ROOT")" ]; then
      die "$ROOT exists and was not made by this script; choose another --root"
    fi
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap on the host"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >"$RUN_LOGS/00-host-apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >>"$RUN_LOGS/00-host-apt.log" 2>&1 ||
      die "could not install debootstrap (log: $RUN_LOGS/00-host-apt.log)"
  fi
  mkdir -p "$ROOT"
  echo incomplete >"$MARKER"
  t0="$(date +%s)"
  say "debootstrapping Debian 12 into $ROOT (log: $log)"
  # git and ca-certificates are all we add to a stock system: a new user
  # needs git to clone the project, ca-certificates for https (npm).
  local args=("--include=git,ca-certificates")
  [ -z "$VARIANT" ] || args+=(--variant="$VARIANT")
  if ! debootstrap "${args[@]}" "$SUITE" "$ROOT" "$MIRROR" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "debootstrap failed (log: $log)"
  fi

  # sources.list as the Debian installer writes it
  cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main non-free-firmware
deb $MIRROR $SUITE-updates main non-free-firmware
deb $SECURITY_MIRROR $SUITE-security main non-free-firmware
EOF
  # What the installer also sets up: a hostname that resolves (sudo looks it
  # up; in a chroot the hostname is the host's), and a UTF-8 locale.
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$(hostname)" >"$ROOT/etc/hosts"
  echo 'LANG=C.UTF-8' >"$ROOT/etc/default/locale"
  # As in any chroot or container: package scripts must not start services
  # (they would keep running on the host). Exit 101 = "not allowed".
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod 755 "$ROOT/usr/sbin/policy-rc.d"

  # Bring it up to date, like a real install with the security repository.
  mount_system_dirs "$ROOT"
  {
    echo "== apt-get update && apt-get dist-upgrade"
    chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get dist-upgrade -y -q &&
      chroot "$ROOT" apt-get clean
  } >>"$log" 2>&1 || { unmount_all; tail -n 20 "$log" >&2; die "updating the base failed (log: $log)"; }
  unmount_all
  echo complete >"$MARKER"
  add_result base "debootstrap + upgrade" pass 0 $(( $(date +%s) - t0 ))
}

# --------------------------------------------------------------------------
# The README's commands
# --------------------------------------------------------------------------

# readme_blocks README: prints the first two ```sh blocks under the heading
# "On a fresh Debian 12 machine", separated by a line "@@@".
readme_blocks() {
  awk '
    /^#+[ \t]+On a fresh Debian 12 machine[ \t]*$/ { in_section = 1; level = index($0, " ") - 1; next }
    in_section && !in_block && /^#+[ \t]/ && index($0, " ") - 1 <= level { exit }
    in_section && !in_block && /^```(sh|bash|shell)[ \t]*$/ { in_block = 1; next }
    in_section && in_block && /^```[ \t]*$/ { in_block = 0; if (++n == 2) exit; print "@@@"; next }
    in_section && in_block { print }
  ' "$1"
}

# write_driver FILE TRACE TEXT: a script that runs TEXT verbatim in ~/rill,
# with bash's xtrace going to TRACE (one "+ EPOCH command" line per command
# as it starts; the commands' own output is untouched).
write_driver() {
  local file=$1 trace=$2 text=$3
  {
    echo '#!/bin/bash'
    echo '# Written by scripts/fresh-debian-check.sh: runs a README command as written.'
    echo 'cd "$HOME/rill" || exit 99'
    echo '# what a login on an installed Debian gets from pam_env'
    echo 'if [ -r /etc/default/locale ]; then set -a; . /etc/default/locale; set +a; fi'
    echo "exec 9>$trace"
    echo 'BASH_XTRACEFD=9'
    echo "PS4='+ \${EPOCHREALTIME} '"
    echo 'set -x'
    printf '%s\n' "$text"
  } >"$file"
  chmod 755 "$file"
}

# The watchdog: once the trace shows the command whose program is NAME, let it
# run GUI_SECONDS, then stop the processes called NAME in the chroot. Writes
# "stopped" to FLAG when it had to stop it.
watchdog() {  # watchdog CHROOT TRACE NAME FLAG
  local dir=$1 trace=$2 name=$3 flag=$4 start="" pids
  while :; do
    if [ -z "$start" ] && grep -qE "^\+ [0-9.]+ ([^ ]*/)?$name( |\$)" "$trace" 2>/dev/null; then
      start="$(date +%s)"
    fi
    if [ -n "$start" ] && [ $(( $(date +%s) - start )) -ge "$GUI_SECONDS" ]; then
      pids="$(pids_in_root "$dir" "$name")"
      if [ -n "$pids" ]; then
        echo stopped >"$flag"
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null || true
        sleep 10
        pids="$(pids_in_root "$dir" "$name")"
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
      fi
      return 0
    fi
    sleep 1
  done
}

# report_parts CASE LABEL TEXT TRACE RC KIND: one report row per `&&` part of
# TEXT, from the trace: parts before the last one that started passed (&&),
# the last one that started ended with RC, the others did not run.
report_parts() {
  local case=$1 label=$2 text=$3 trace=$4 rc=$5 kind=$6
  local -a parts starts cmds
  local i n t next secs line part_kind
  mapfile -t parts < <(printf '%s\n' "$text" | sed -e 's/[ \t]*&&[ \t]*/\n/g' | sed -e '/^[ \t]*$/d' -e '/^[ \t]*#/d')
  starts=() cmds=()
  while IFS= read -r line; do
    [[ "$line" =~ ^\+\ ([0-9]+\.[0-9]+)\ (.*)$ ]] || continue
    starts+=("${BASH_REMATCH[1]}") cmds+=("${BASH_REMATCH[2]}")
  done <"$trace" 2>/dev/null || true
  n=${#starts[@]}
  (( ${#parts[@]} >= n )) || parts=("${cmds[@]}")  # more commands than parts: label by trace
  for ((i = 0; i < ${#parts[@]}; i++)); do
    part_kind=$kind
    if [[ "${parts[i]}" == *rill-chat* && $i == $((${#parts[@]} - 1)) && "$kind" == pass ]]; then
      part_kind=gui
    fi
    if (( i >= n )); then
      add_result "$case" "$label: ${parts[i]}" skip - -
      continue
    fi
    t=${starts[i]}
    if (( i + 1 < n )); then next=${starts[i + 1]}; else next=$STEP_END; fi
    secs=$(awk -v a="$t" -v b="$next" 'BEGIN { printf "%d", b - a + 0.5 }')
    if (( i + 1 < n )); then
      add_result "$case" "$label: ${parts[i]}" "$([ "$kind" = expect-fail ] && echo info || echo "$kind")" 0 "$secs"
    elif [ "$part_kind" = gui ]; then
      GUI_RC=$rc GUI_SECS=$secs
    else
      add_result "$case" "$label: ${parts[i]}" "$kind" "$rc" "$secs"
    fi
  done
}

# --------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------

setup_case() {  # setup_case CASE CHROOT (errexit is off here: each step checked)
  local case=$1 dir=$2
  # On a network that intercepts TLS the host trusts a site-local CA; a
  # machine on that network would too (npm fails without it). Debian's list
  # of CAs is untouched; the report names the files.
  if [ "$HOST_CA" = 1 ] && [ -n "$(ls -A /usr/local/share/ca-certificates 2>/dev/null)" ]; then
    cp -a /usr/local/share/ca-certificates/. "$dir/usr/local/share/ca-certificates/" || return
    chroot "$dir" update-ca-certificates || return
  fi
  if [ "$case" = user ]; then
    chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q sudo || return
  fi
  if [ "$case" != root ]; then
    chroot "$dir" useradd --create-home --shell /bin/bash dev || return
  fi
  if [ "$case" = user ]; then
    chroot "$dir" usermod -aG sudo dev || return
    echo 'dev ALL=(ALL:ALL) NOPASSWD: ALL' >"$dir/etc/sudoers.d/dev" || return
    chmod 0440 "$dir/etc/sudoers.d/dev"
  fi
}

run_case() {
  local case=$1 user home dir upper work merged logs t0 rc text blocks
  local -a cmds
  logs="$RUN_LOGS/$case"
  mkdir -p "$logs"
  if [ "$case" = root ]; then user=root home=/root; else user=dev home=/home/dev; fi
  say "=== case $case (user $user, logs $logs)"

  # A throw-away overlay over the base: the base stays as debootstrap left it.
  t0="$(date +%s)"
  dir="$CASES_DIR/$case"
  upper="$dir/upper" work="$dir/work" merged="$dir/merged"
  assert_nothing_mounted_under "$dir"
  rm -rf --one-file-system "$dir"
  mkdir -p "$upper" "$work" "$merged"
  do_mount "$merged" -t overlay overlay -o "lowerdir=$ROOT,upperdir=$upper,workdir=$work"
  mount_system_dirs "$merged"
  if [ "$APT_CACHE" = 1 ]; then
    # Downloads only: the same .debs from the same mirror, fetched once.
    # apt downloads as _apt into partial/, so give it that user's id here.
    local apt_uid
    apt_uid="$(awk -F: '$1 == "_apt" { print $3 }' "$merged/etc/passwd")"
    mkdir -p "$APT_CACHE_DIR/partial"
    [ -z "$apt_uid" ] || chown "$apt_uid" "$APT_CACHE_DIR/partial"
    bind_mount "$APT_CACHE_DIR" "$merged/var/cache/apt/archives"
  fi

  # Site-local CAs (see setup_case), then the user: `dev` with sudo like a
  # desktop install's first user, or without sudo at all.
  if [ "$HOST_CA" = 1 ] && [ -n "$(ls -A /usr/local/share/ca-certificates 2>/dev/null)" ]; then
    NOTES+=("[$case] site-local CA certificates copied from the host into the chroot: $(cd /usr/local/share/ca-certificates && echo *)")
  fi
  if ! setup_case "$case" "$merged" >"$logs/01-setup.log" 2>&1 </dev/null; then
    add_result "$case" "chroot + user setup" pass 1 $(( $(date +%s) - t0 )) "see $logs/01-setup.log"
    unmount_all
    return
  fi

  # The clone, as root (a local source is owned by someone else), then
  # handed to the user.
  local src="$REPO" clone_args=()
  if [ "$REPO_IS_LOCAL" = 1 ]; then
    bind_mount "$REPO" "$merged/mnt/rill-src"
    mount -o remount,bind,ro "$merged/mnt/rill-src"
    src=/mnt/rill-src
  fi
  [ -z "$BRANCH" ] || clone_args+=(--branch "$BRANCH")
  run_logged "$logs/02-clone.log" chroot "$merged" \
    git -c safe.directory='*' clone "${clone_args[@]}" "$src" "$home/rill"
  if [ "$STEP_RC" = 0 ] && [ "$user" != root ]; then
    chroot "$merged" chown -R dev:dev "$home/rill" >>"$logs/02-clone.log" 2>&1 || STEP_RC=$?
  fi
  git -c safe.directory='*' -C "$merged$home/rill" log -1 --format='cloned %H %s' >>"$logs/02-clone.log" 2>&1 || true
  add_result "$case" "setup + git clone" pass "$STEP_RC" $(( $(date +%s) - t0 ))
  if [ "$STEP_RC" != 0 ]; then unmount_all; return; fi

  # The README's two commands, from the clone's README.md
  blocks="$(readme_blocks "$merged$home/rill/README.md")"
  cmds=("${blocks%%$'\n'@@@*}" "")
  [[ "$blocks" != *@@@* ]] || cmds[1]="${blocks#*@@@$'\n'}"
  if [ -z "${cmds[0]}" ] || [ -z "${cmds[1]}" ]; then
    add_result "$case" "README commands" pass 1 0 "no two sh blocks under 'On a fresh Debian 12 machine'"
    unmount_all
    return
  fi
  printf '%s\n' "${cmds[0]}" >"$logs/readme-command-1.txt"
  printf '%s\n' "${cmds[1]}" >"$logs/readme-command-2.txt"
  mkdir -p "$merged/tmp/rill-check"
  chmod 1777 "$merged/tmp/rill-check"

  # Command 1: install, build, run rill-chat. Run verbatim; the watchdog
  # stops rill-chat after GUI_SECONDS if it is still up.
  local trace1=/tmp/rill-check/command-1.trace flag="$logs/.rill-chat-stopped"
  local kind=pass
  [ "$case" != nosudo ] || kind=expect-fail
  write_driver "$merged/tmp/rill-check/command-1.sh" "$trace1" "${cmds[0]}"
  rm -f "$flag"
  watchdog "$merged" "$merged$trace1" rill-chat "$flag" &
  WATCHDOG_PID=$!
  GUI_RC="" GUI_SECS=""
  run_logged "$logs/03-command-1.log" in_chroot "$merged" "$user" /tmp/rill-check/command-1.sh
  kill "$WATCHDOG_PID" 2>/dev/null || true
  wait "$WATCHDOG_PID" 2>/dev/null || true
  WATCHDOG_PID=""
  cp "$merged$trace1" "$logs/03-command-1.trace" 2>/dev/null || true
  say "command 1 exited $STEP_RC after $STEP_SECS s"
  report_parts "$case" "cmd1" "${cmds[0]}" "$merged$trace1" "$STEP_RC" "$kind"
  if [ -n "$GUI_RC" ]; then
    local how
    if [ -f "$flag" ]; then how="still running after ${GUI_SECONDS}s, stopped"
    else how="exited by itself"; fi
    add_result "$case" "cmd1: build/bin/rill-chat (no display)" info "$GUI_RC" "$GUI_SECS" "$how"
    NOTES+=("[$case] rill-chat without a display (exit $GUI_RC, $how); last lines of command 1:"
            "$(tail -n 10 "$logs/03-command-1.log" | sed 's/^/    /')")
  fi
  if [ "$case" = nosudo ]; then
    NOTES+=("[nosudo] what the user was told (last lines of the install command):"
            "$(tail -n 6 "$logs/03-command-1.log" | sed 's/^/    /')")
    unmount_all
    return
  fi

  # rill-chat again, under a virtual X server: does it get up and serving?
  if [ -x "$merged$home/rill/build/bin/rill-chat" ] && chroot "$merged" sh -c 'command -v xvfb-run' >/dev/null; then
    run_logged "$logs/04-rill-chat-xvfb.log" in_chroot "$merged" "$user" \
      "cd ~/rill && xvfb-run -a timeout $GUI_SECONDS build/bin/rill-chat"
    local served alive
    served="$(grep -m3 '^rill-chat:' "$logs/04-rill-chat-xvfb.log" | tr '\n' ' ' || true)"
    if [ "$STEP_RC" = 124 ]; then alive="ran ${GUI_SECONDS}s until stopped"; else alive="exited by itself"; fi
    if [ -n "$served" ] && [ "$STEP_RC" = 124 ]; then rc=0; else rc=$STEP_RC; [ "$rc" != 0 ] || rc=1; fi
    add_result "$case" "xvfb-run -a build/bin/rill-chat" pass "$rc" "$STEP_SECS" \
      "$alive; 'rill-chat:' line $([ -n "$served" ] && echo seen || echo 'NOT seen')"
    local xlog="$logs/04-rill-chat-xvfb.log"
    NOTES+=("[$case] rill-chat under xvfb-run (exit $STEP_RC): its 'rill-chat:' lines, errors, last lines:"
            "$({ grep -E '^rill-chat:' "$xlog"; grep -E 'ERROR|FATAL|[Ff]atal|Abort|not supported' "$xlog" | head -n 5
                tail -n 3 "$xlog"; } | awk '!seen[$0]++' | sed 's/^/    /')")
  else
    add_result "$case" "xvfb-run -a build/bin/rill-chat" skip - - "no build/bin/rill-chat or no xvfb-run"
  fi

  # Command 2: the test suite.
  local trace2=/tmp/rill-check/command-2.trace summary
  write_driver "$merged/tmp/rill-check/command-2.sh" "$trace2" "${cmds[1]}"
  run_logged "$logs/05-command-2.log" in_chroot "$merged" "$user" /tmp/rill-check/command-2.sh
  cp "$merged$trace2" "$logs/05-command-2.trace" 2>/dev/null || true
  summary="$(grep -m1 -E 'tests passed, [0-9]+ tests? failed out of' "$logs/05-command-2.log" || echo 'no ctest summary')"
  add_result "$case" "cmd2: ${cmds[1]}" pass "$STEP_RC" "$STEP_SECS" "$summary"
  NOTES+=("[$case] ${cmds[1]}: $summary"
          "$(sed -n '/The following tests FAILED/,/^Errors while running/p' "$logs/05-command-2.log" | sed 's/^/    /')")

  unmount_all
}

# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

say "logs: $RUN_LOGS"
say "repository: $REPO${BRANCH:+ (branch $BRANCH)}; cases: ${CASES[*]}"
make_base
for c in "${CASES[@]}"; do run_case "$c"; done

{
  echo
  echo "Fresh Debian 12 check of the README ($(date '+%Y-%m-%d %H:%M'), repository $REPO${BRANCH:+ $BRANCH})"
  echo
  printf '%-7s | %-58s | %-34s | %s\n' case step result seconds
  printf '%s\n' "--------+------------------------------------------------------------+------------------------------------+--------"
  for ((i = 0; i < ${#R_CASE[@]}; i++)); do
    printf '%-7s | %-58s | %-34s | %s\n' "${R_CASE[i]}" "${R_STEP[i]}" "${R_RESULT[i]}" "${R_SECS[i]}"
  done
  if [ "${#NOTES[@]}" -gt 0 ]; then
    echo
    printf '%s\n' "${NOTES[@]}"
  fi
  echo
  echo "Full logs: $RUN_LOGS"
  echo "Debian 12 base: $ROOT (rerun with --reuse to keep it); case chroots: $CASES_DIR"
  if [ "$FAILED" = 0 ]; then echo "Result: every step that should pass passed."
  else echo "Result: FAILED (see the FAIL rows above)."; fi
} | tee "$RUN_LOGS/report.txt"

exit "$FAILED"
