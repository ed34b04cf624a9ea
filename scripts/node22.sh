# Sourced by the scripts that run the tests and benchmarks: puts Node 22 LTS first on PATH, so that
# `npm ci` and everything after it run on the Node that package.json's `engines` asks for. A
# machine whose own Node is 22.2 or a later 22 keeps it (the sink needs zlib.crc32, new in 22.2);
# any other gets the release pinned below, from the npm
# registry's `node-<os>-<arch>` package (through npm itself), cached in the git-ignored .cache/.
#   source scripts/node22.sh        (from the repository root)

NODE22_VERSION=22.23.5

node22_log() { printf 'node22: %s\n' "$*" >&2; }

node22_use() {
  local major minor
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
  minor=$(node -p 'process.versions.node.split(".")[1]' 2>/dev/null || echo 0)
  if [[ $major == 22 && $minor -ge 2 ]]; then
    node22_log "using this machine's Node $(node --version)"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || { node22_log "npm is required to fetch Node $NODE22_VERSION"; return 1; }

  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) node22_log "no node-<os> package for $(uname -s); install Node 22 yourself"; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) node22_log "no node-$os-<arch> package for $(uname -m); install Node 22 yourself"; return 1 ;;
  esac

  local dir=$PWD/.cache/node-$NODE22_VERSION-$os-$arch
  if [[ ! -x $dir/bin/node ]]; then
    node22_log "this machine's Node is ${major}; fetching node-$os-$arch@$NODE22_VERSION into .cache/"
    mkdir -p .cache
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    # A scratch folder first, so that an interrupted download leaves nothing that looks complete.
    (cd "$dir.tmp" && npm pack "node-$os-$arch@$NODE22_VERSION" --silent >/dev/null) || return 1
    tar xzf "$dir.tmp"/node-*.tgz -C "$dir.tmp" --strip-components=1 package/bin/node package/LICENSE || return 1
    rm -f "$dir.tmp"/node-*.tgz
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
  node22_log "using Node $(node --version) from .cache/ (this machine's is ${major})"
}

node22_use
