# Sourced by the screenshot scripts: builds Atelier, gives it a private home (so a real session's
# settings never leak into the pictures) and a virtual 1280×800 display, and cleans both up on exit.
#   . scripts/lib/xvfb_session.sh     then: $binary, $home, $DISPLAY; extra_cleanup() is called on exit
# Environment: PROFILE (debug | release), SCREENSHOT_DISPLAY (default :99; an X server already
# answering there is used as it is), SIZE (the screen, default 1280x800; e.g. SIZE=1024x700).

# Pinned before HOME changes, so cargo still finds its toolchain here and in nested scripts.
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup} CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
profile=${PROFILE:-debug}
if [ "$profile" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
binary=$PWD/target/$profile/atelier

display=${SCREENSHOT_DISPLAY:-:99}
size=${SIZE:-1280x800}
case "$size" in [0-9]*x[0-9]*) ;; *) echo "SIZE must look like 1024x700, not '$size'" >&2; exit 2 ;; esac
screen_width=${size%x*} screen_height=${size#*x}
export DISPLAY=$display
home=$(mktemp -d)
export HOME=$home XDG_DATA_HOME=$home/.local/share XDG_CONFIG_HOME=$home/.config
export XDG_RUNTIME_DIR=$home/runtime && mkdir -m 0700 "$XDG_RUNTIME_DIR"

xvfb_pid=
if ! xdotool getdisplaygeometry >/dev/null 2>&1; then
  Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  sleep 1.5
fi
app_pid=
extra_cleanup() { :; }
session_cleanup() {
  extra_cleanup
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$home"
}
trap session_cleanup EXIT
