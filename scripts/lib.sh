# Shared helpers for the project's scripts. Source it; do not run it.

# ensure_packages PKG...: installs the Debian packages that are missing
# (apt-get update once, first). Needs root or sudo.
ensure_packages() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing missing packages: ${missing[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# The C libraries the package links against.
BUILD_PACKAGES=(libssl-dev zlib1g-dev libsqlite3-dev libpq-dev pkg-config)

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }
