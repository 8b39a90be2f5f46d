# Shared helpers for the project's scripts; source it, don't run it.

log() { printf '==> %s\n' "$*" >&2; }

# ensure_packages CHECK PACKAGE ...: installs the Debian packages whose check fails. A check is `cmd:NAME` (an
# executable on PATH) or `deb:NAME` (an installed package); the package installed is NAME.
ensure_packages() {
    local missing=() entry kind name
    for entry in "$@"; do
        kind=${entry%%:*}
        name=${entry#*:}
        case $kind in
        cmd) command -v "$name" >/dev/null || missing+=("$name") ;;
        deb) dpkg -s "$name" >/dev/null 2>&1 || missing+=("$name") ;;
        esac
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
