#!/usr/bin/env bash
# Installs Figaro's dependencies and starts it with its embedded defaults on http://127.0.0.1:8000.
#   ./install.sh              install, build, then run `figaro up`
#   ./install.sh --no-start   install and build only
# Desktop packages (Xvnc, a window manager, Chromium) are installed with apt when this runs as root or
# with sudo; without them Figaro still starts and tells you what to install for local desktops.
set -euo pipefail
cd "$(dirname "$0")"

start=true
for arg in "$@"; do
  case "$arg" in
    --no-start) start=false ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

if ! command -v node >/dev/null 2>&1; then
  echo "install.sh: Node.js 20 or newer is required (https://nodejs.org or your distribution's nodejs package)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 20)); then
  echo "install.sh: Node.js 20 or newer is required; this is $(node --version)" >&2
  exit 1
fi

desktop_packages=(tigervnc-standalone-server tigervnc-tools fluxbox xterm xdotool chromium)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${desktop_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
fi
if ((${#missing[@]} > 0)); then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; fi
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    echo "install.sh: installing desktop packages: ${missing[*]}"
    $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" ||
      echo "install.sh: could not install desktop packages; local desktops stay off until you do" >&2
  else
    echo "install.sh: for local desktops, run: sudo apt-get install ${missing[*]}" >&2
  fi
fi

# Local desktops and every tool that runs code run as this unprivileged user, never as root.
if [ "$(id -u)" -eq 0 ] && ! id figaro-desktop >/dev/null 2>&1; then
  useradd --system --create-home --home-dir /var/lib/figaro-desktop --shell /usr/sbin/nologin figaro-desktop ||
    echo "install.sh: could not create the user figaro-desktop" >&2
fi

npm ci --no-audit --no-fund
npm run build

if $start; then
  exec node packages/cli/bin/figaro.js up
fi
echo "Figaro is installed. Start it with: npx figaro up"
