#!/usr/bin/env bash
# Startup script of the head node in the repository's profile.py: installs Node.js 20 and
# dynslice-agent, writes its configuration, runs it as a systemd service and registers it.
# CloudLab runs it as root at every boot; each step does nothing when its work is already done.
#
#   install.sh                 every step, in order
#   install.sh init check      only these steps (node agent user key init check service register)
#
# Settings (environment):
#   DYNSLICE_PACKAGE           what npm installs: a tarball made by `npm pack` in a checkout, or any
#                              spec npm takes. Default: the dynslice-agent checkout holding this
#                              script (or /local/repository, when it is one), built and packed
#   DYNSLICE_PACK_DIR          where that build's tarball is written (default /var/tmp)
#   DYNSLICE_REPOSITORY        the profile's clone (default /local/repository)
#   DYNSLICE_CONFIG            default /etc/dynslice-agent/agent.yaml
#   DYNSLICE_STATE_DIR         default /var/lib/dynslice-agent (the service's StateDirectory)
#   DYNSLICE_SSH_KEY           the key that logs in to the workers (default: root's, /root/.ssh/id_rsa)
#   DYNSLICE_CREDENTIAL        your cloudlab.pem, uploaded to the node: without it, no registration
#   DYNSLICE_PASSPHRASE_FILE   its passphrase
#   DYNSLICE_SLICE_CREDENTIAL  the slice credential (signed XML)
#   DYNSLICE_INIT_FLAGS        more flags for `dynslice-agent init` (e.g. --port 8443)
#   DYNSLICE_CHECK_SSH=1       the check step also logs in to every worker
set -euo pipefail

CONFIG="${DYNSLICE_CONFIG:-/etc/dynslice-agent/agent.yaml}"
STATE_DIR="${DYNSLICE_STATE_DIR:-/var/lib/dynslice-agent}"
SSH_KEY="${DYNSLICE_SSH_KEY:-/root/.ssh/id_rsa}"
PACK_DIR="${DYNSLICE_PACK_DIR:-/var/tmp}"
# Where CloudLab clones a repository-based profile's repository, on every node.
REPOSITORY="${DYNSLICE_REPOSITORY:-/local/repository}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The checkout state of the last install from a checkout (see step_agent).
STAMP_FILE="${PACK_DIR}/dynslice-agent.installed"
SERVICE_USER=dynslice
# The install scripts the agent needs: fs-ext (the state lock, a native addon) and ssh2's.
ALLOWED_SCRIPTS=fs-ext,ssh2,cpu-features,esbuild

say() { printf 'install.sh: %s\n' "$*" >&2; }

step_node() {
  if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then return; fi
  say "installing Node.js 20"
  apt-get update -qq
  apt-get install -y -qq ca-certificates curl gnupg openssl python3 make g++ >/dev/null
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash - >/dev/null
  apt-get install -y -qq nodejs >/dev/null
}

# The dynslice-agent checkout this script is part of (its examples/cloudlab/), else the profile's
# repository when it is one; prints nothing when neither is. An installed package is no checkout:
# it has no lock file to build from.
agent_checkout() {
  local dir
  for dir in "${SCRIPT_DIR}/../.." "${REPOSITORY}"; do
    if [ -f "${dir}/package-lock.json" ] && grep -q '"name": "dynslice-agent"' "${dir}/package.json"; then
      (cd "${dir}" && pwd)
      return
    fi
  done
}

# What a checkout holds: its commit and a digest of its uncommitted changes; empty when it is no git
# checkout (then it is built every time).
checkout_stamp() {
  local commit
  commit="$(git -c safe.directory="*" -C "$1" rev-parse HEAD 2>/dev/null)" || return 0
  printf '%s %s\n' "${commit}" "$(git -c safe.directory="*" -C "$1" status --porcelain 2>/dev/null | sha256sum | cut -c1-16)"
}

# Builds the checkout (npm ci, then npm pack runs its build) and prints the tarball's path.
pack_checkout() {
  local checkout="$1" name
  say "building ${checkout}"
  # Only the TypeScript compiler runs here: the native addons are built where the tarball is installed.
  (cd "${checkout}" && npm ci --no-audit --no-fund --ignore-scripts >&2)
  mkdir -p "${PACK_DIR}"
  name="$(cd "${checkout}" && npm pack --silent --pack-destination "${PACK_DIR}" | tail -n 1)"
  printf '%s/%s\n' "${PACK_DIR}" "${name}"
}

step_agent() {
  local package="${DYNSLICE_PACKAGE:-}" checkout stamp=""
  if [ -z "${package}" ]; then
    checkout="$(agent_checkout)"
    if [ -z "${checkout}" ]; then
      say "nothing to install: neither ${SCRIPT_DIR}/../.. nor ${REPOSITORY} is a dynslice-agent checkout"
      say "make the profile from the dynslice-agent repository (its profile.py), or set DYNSLICE_PACKAGE"
      say "to a tarball made by npm pack in a checkout (the npm registry does not serve dynslice-agent)"
      exit 2
    fi
    # A boot with the same checkout as the last install, and that install still there: nothing to do.
    stamp="$(checkout_stamp "${checkout}")"
    if [ -n "${stamp}" ] && [ "$(cat "${STAMP_FILE}" 2>/dev/null)" = "${stamp}" ] && dynslice-agent --version >/dev/null 2>&1; then
      say "dynslice-agent $(dynslice-agent --version) is installed from ${checkout} as it is: kept"
      return
    fi
    package="$(pack_checkout "${checkout}")"
  fi
  say "installing ${package}"
  npm install -g --no-audit --no-fund --allow-scripts="${ALLOWED_SCRIPTS}" "${package}"
  if [ -n "${stamp}" ]; then printf '%s\n' "${stamp}" >"${STAMP_FILE}"; else rm -f "${STAMP_FILE}"; fi
}

step_user() {
  id -u "${SERVICE_USER}" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir "${STATE_DIR}" --shell /usr/sbin/nologin "${SERVICE_USER}"
}

# The service cannot read root's home: it logs in with a copy kept in its state directory. The key
# must exist and be usable before init writes a configuration that relies on it.
step_key() {
  if [ ! -f "${SSH_KEY}" ]; then
    say "no SSH key at ${SSH_KEY}: the profile must ask CloudLab for root keys on every node"
    say "(node.installRootKeys(True, True) in profile.py), or set DYNSLICE_SSH_KEY to a key the workers accept"
    exit 2
  fi
  if ! ssh-keygen -y -P '' -f "${SSH_KEY}" >/dev/null 2>&1; then
    say "${SSH_KEY} is not a private key the agent can use unattended (not a key, or it has a passphrase)"
    exit 2
  fi
  mkdir -p "${STATE_DIR}"
  chmod 0700 "${STATE_DIR}"
  install -m 0600 "${SSH_KEY}" "${STATE_DIR}/ssh_key"
}

step_init() {
  if [ -f "${CONFIG}" ]; then say "${CONFIG} exists: kept"; return; fi
  mkdir -p "$(dirname "${CONFIG}")"
  local flags=(-c "${CONFIG}" --state-dir "${STATE_DIR}" --ssh-key "${STATE_DIR}/ssh_key")
  [ -n "${DYNSLICE_CREDENTIAL:-}" ] && flags+=(--credential "${DYNSLICE_CREDENTIAL}")
  [ -n "${DYNSLICE_PASSPHRASE_FILE:-}" ] && flags+=(--passphrase-file "${DYNSLICE_PASSPHRASE_FILE}")
  [ -n "${DYNSLICE_SLICE_CREDENTIAL:-}" ] && flags+=(--slice-credential "${DYNSLICE_SLICE_CREDENTIAL}")
  # The profile's workload parameter (jobs, slurm, kubernetes) chooses the drain plan init writes.
  local workload
  workload="$(geni-get param workload 2>/dev/null || true)"
  [ -n "${workload}" ] && flags+=(--workload "${workload}")
  # shellcheck disable=SC2206 # the extra flags are words on purpose
  flags+=(${DYNSLICE_INIT_FLAGS:-})
  dynslice-agent init "${flags[@]}"
}

step_check() {
  if [ "${DYNSLICE_CHECK_SSH:-0}" = 1 ]; then dynslice-agent check -c "${CONFIG}" --ssh; else dynslice-agent check -c "${CONFIG}"; fi
}

step_service() {
  chown -R "${SERVICE_USER}:" "${STATE_DIR}"
  dynslice-agent service --print -c "${CONFIG}" --user "${SERVICE_USER}" >/etc/systemd/system/dynslice-agent.service
  systemctl daemon-reload
  systemctl enable dynslice-agent
  # restart: an upgrade by a re-run of this script takes effect; the state directory is kept.
  systemctl restart dynslice-agent
}

step_register() {
  if [ -z "${DYNSLICE_SLICE_CREDENTIAL:-}" ]; then
    say "not registered: set DYNSLICE_CREDENTIAL and DYNSLICE_SLICE_CREDENTIAL, or run: dynslice-agent register -c ${CONFIG}"
    return
  fi
  dynslice-agent register -c "${CONFIG}"
}

main() {
  local steps=("$@")
  [ ${#steps[@]} -eq 0 ] && steps=(node agent user key init check service register)
  for step in "${steps[@]}"; do
    case "${step}" in
      node | agent | user | key | init | check | service | register) "step_${step}" ;;
      *) say "unknown step ${step} (node agent user key init check service register)"; exit 2 ;;
    esac
  done
}

main "$@"
