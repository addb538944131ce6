# Shared by the run and test scripts: tool installation (pinned, only when missing) and
# the build directory. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_LEPTOS_VERSION="0.3.10"
# One build directory outside the clone, reused across clones and CI runs on a machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/portal/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/end2end/node_modules/.bin:$PATH"
# Quiet, incremental-free builds: incremental state only grows in a shared directory.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n==> %s\n' "$*"; }

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Build tools need not be as fast as possible: a light release profile halves their
# build time (configuration overrides the tools' own lto = true, codegen-units = 1).
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=2 \
    cargo install "$@"
}

install_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (several minutes, once per machine)"
    tool_install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION" --features no_downloads
  fi
  local wanted
  wanted="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wanted" ]; then
    say "installing wasm-bindgen-cli $wanted (a few minutes, once per machine)"
    # No --locked: its lock file names a crate version the registry no longer serves.
    tool_install wasm-bindgen-cli --version "$wanted"
  fi
}

install_browser_tools() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Chromium from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -f end2end/node_modules/.package-lock.json ] || ! cmp -s end2end/package-lock.json end2end/node_modules/.ci-installed-lock; then
    say "installing the browser-test packages (npm ci)"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.ci-installed-lock)
  fi
}

# pySHACL validates the published catalogue (server/tests/catalogue.rs), pinned.
PYSHACL_VENV="$HOME/.cache/portal/pyshacl-venv"
install_validation_tools() {
  local requirements="$ROOT/server/tests/shacl/requirements.txt"
  if ! cmp -s "$requirements" "$PYSHACL_VENV/.ci-installed-requirements" 2>/dev/null; then
    say "installing pySHACL (server/tests/shacl/requirements.txt)"
    python3 -m venv "$PYSHACL_VENV"
    "$PYSHACL_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$PYSHACL_VENV/.ci-installed-requirements"
  fi
  export PYSHACL_PYTHON="$PYSHACL_VENV/bin/python"
}

postgres_url() {
  echo "${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
}

ensure_postgres() {
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "starting the local PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    sleep 2
  fi
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    return 0
  fi
  echo "PostgreSQL is not reachable at 127.0.0.1:5432." >&2
  if [ "${CI:-}" = "true" ]; then
    echo "CI=true: the PostgreSQL tests may not be skipped, so the run fails." >&2
    exit 1
  fi
  echo "Its tests will be reported as SKIPPED. Set TEST_POSTGRES_URL to use another server." >&2
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
