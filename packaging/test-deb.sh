#!/usr/bin/env bash
# Checks the Debian package as a user's machine would see it (run as root, on a machine where
# Atelier is not installed): dpkg -i (+ apt-get install -f for the dependencies), the installed
# files, the desktop entry's Exec line started under Xvfb with a picture (as "Open with" does), the
# window's title, WM class and icon (_NET_WM_ICON), a screenshot, then dpkg -r and nothing left.
#   packaging/test-deb.sh [target/debian/atelier_….deb]
# Prints one line per check; exits non-zero at the first that fails. Screenshot:
# target/screenshots/deb-open-with.png.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(ls -t target/debian/atelier_*.deb | head -1)}
out=target/screenshots && mkdir -p "$out"
check() { echo "ok: $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

if dpkg -s atelier >/dev/null 2>&1; then fail "atelier is installed already; dpkg -r atelier first"; fi
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | grep -E '^ (Package|Version|Depends|Recommends|Installed-Size):'

# dpkg -i stops at missing dependencies (it leaves the package unconfigured); apt-get -f fixes that.
dpkg -i "$deb" || DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq
dpkg -s atelier | grep -q '^Status: install ok installed' || fail "not installed"
check "installed: $(dpkg -s atelier | grep '^Version:')"
for file in /usr/bin/atelier /usr/share/applications/atelier.desktop \
  /usr/share/icons/hicolor/{32x32,64x64,128x128,256x256}/apps/atelier.png; do
  [ -e "$file" ] || fail "missing $file"
done
check "binary, desktop entry and the four icons are in place"
command -v desktop-file-validate >/dev/null && desktop-file-validate /usr/share/applications/atelier.desktop \
  && check "desktop-file-validate: no complaints"

# The Exec line, as a file manager runs it for "Open with Atelier" on one picture.
exec_line=$(grep '^Exec=' /usr/share/applications/atelier.desktop | cut -d= -f2-)
home=$(mktemp -d)
export HOME=$home XDG_DATA_HOME=$home/.local/share XDG_CONFIG_HOME=$home/.config
export XDG_RUNTIME_DIR=$home/runtime && mkdir -m 0700 "$XDG_RUNTIME_DIR"
picture=$home/boot.png
/usr/bin/atelier data export-png --split test --count 1 --out "$home/pngs" >/dev/null
cp "$(ls "$home"/pngs/*.png | head -1)" "$picture"
export DISPLAY=${DEB_TEST_DISPLAY:-:98}
Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$home"
}
trap cleanup EXIT
sleep 1.5
command=${exec_line//%F/$picture}
started=$(date +%s.%N)
# shellcheck disable=SC2086 # the Exec line is split into words, as the desktop does
$command >"$home/app.log" 2>&1 &
app_pid=$!
window=
for _ in $(seq 1 120); do
  window=$(xdotool search --name '^Atelier$' 2>/dev/null | head -1 || true)
  [ -n "$window" ] && break
  sleep 0.25
done
[ -n "$window" ] || { cat "$home/app.log"; fail "no window from: $command"; }
check "'$exec_line' opened a window in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
xprop -id "$window" WM_CLASS | grep -q '"atelier"' && check "$(xprop -id "$window" WM_CLASS) (StartupWMClass=atelier)"
icon=$(xprop -id "$window" _NET_WM_ICON | head -c 200)
case $icon in
  *"_NET_WM_ICON(CARDINAL)"*) check "_NET_WM_ICON is set: $(xprop -id "$window" _NET_WM_ICON | head -1 | cut -c1-60)" ;;
  *) fail "no _NET_WM_ICON: $icon" ;;
esac
sleep "${SETTLE_SECS:-6}"
xdotool mousemove 1270 740 2>/dev/null || true
/usr/bin/import -window root "$out/deb-open-with.png"
check "screenshot $out/deb-open-with.png"
kill "$app_pid" && wait "$app_pid" 2>/dev/null || true
app_pid=

dpkg -r atelier >/dev/null
left=$(for f in /usr/bin/atelier /usr/share/applications/atelier.desktop /usr/share/icons/hicolor/*/apps/atelier.png /usr/share/doc/atelier; do [ -e "$f" ] && echo "$f"; done || true)
[ -z "$left" ] || fail "left behind after dpkg -r: $left"
dpkg -s atelier 2>/dev/null | grep -q '^Status: install ok installed' && fail "still installed"
check "dpkg -r removed it: no file of the package is left"
