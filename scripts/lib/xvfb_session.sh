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

# Shared helpers for the demo scripts (a script may define its own versions after sourcing this).
# launch_app LOG ARGS…: starts "$binary" ARGS… (output appended to LOG), waits for its window and
# for it to settle (SETTLE_SECS, default 6); sets $app_pid and $window, or exits naming the log.
launch_app() {
  local log=$1; shift
  "$binary" "$@" >>"$log" 2>&1 &
  app_pid=$!
  window=
  for _ in $(seq 1 60); do
    window=$(xdotool search --name '^Atelier$' 2>/dev/null | head -1 || true)
    [ -n "$window" ] && break
    sleep 0.5
  done
  [ -n "$window" ] || { echo "the window did not appear; log:"; cat "$log"; exit 1; }
  # The window opens at 1280×800: fit it to the screen (no window manager does it here).
  xdotool windowsize "$window" "$screen_width" "$screen_height" 2>/dev/null || true
  sleep "${SETTLE_SECS:-6}"
}
# key KEYS…: keys to the app's window. click X Y [PAUSE]: a click at window coordinates, then a
# pause (default $click_pause, 0.6 s unless the script sets it).
key() { xdotool windowfocus --sync "$window" 2>/dev/null || true; xdotool key "$@"; }
click() { xdotool mousemove --window "$window" "$1" "$2" click 1; sleep "${3:-${click_pause:-0.6}}"; }
# shoot NAME: the screen (pointer moved out of the way) as $out/NAME.png.
shoot() {
  xdotool mousemove "$((screen_width - 10))" "$((screen_height - 60))" 2>/dev/null || true
  sleep 0.4
  /usr/bin/import -window root "$out/$1.png"
  echo "saved $out/$1.png"
}
