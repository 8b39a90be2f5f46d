# Shared helpers for the project's scripts; source it, don't run it.

log() { printf '==> %s\n' "$*" >&2; }

# ensure_packages CHECK PACKAGE ...: installs the Debian packages whose check fails. A check is `cmd:NAME` (an
# executable on PATH) or `deb:NAME` (an installed package); the package installed is NAME, or PACKAGE when the
# check is written `cmd:NAME=PACKAGE` (the `chromedriver` command comes in the `chromium-driver` package).
ensure_packages() {
    local missing=() entry kind name package
    for entry in "$@"; do
        kind=${entry%%:*}
        name=${entry#*:}
        package=${name#*=}
        name=${name%%=*}
        case $kind in
        cmd) command -v "$name" >/dev/null || missing+=("$package") ;;
        deb) dpkg -s "$name" >/dev/null 2>&1 || missing+=("$package") ;;
        esac
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
