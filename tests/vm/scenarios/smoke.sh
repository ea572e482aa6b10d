#!/bin/sh
# smoke: Debian's kernel gives a KMS device on QEMU's virtio-gpu, with the damage property our
# kms output uses, and a picture drawn through the shim's kms output reaches QEMU's screen pixel
# for pixel, including frames whose only damage is a small rectangle (and one that lies about
# its damage: nothing outside the declared rectangle may change).
. /etc/vm/lib.sh

for m in virtio_gpu evdev uinput; do
    if [ -d "/sys/module/$m" ]; then vm_ok "module $m loaded"; else vm_fail "module $m loaded: not in /sys/module"; fi
done
if vm_wait_for 10 test -c /dev/dri/card0; then
    vm_ok "/dev/dri/card0 appears"
else
    vm_fail "/dev/dri/card0 appears: no DRM device after 10 s"
    exit 1
fi
if udevadm info /dev/dri/card0 >/tmp/udev-card0.txt 2>&1 && grep -q 'E: DEVNAME=/dev/dri/card0' /tmp/udev-card0.txt; then
    vm_ok "udev knows /dev/dri/card0"
else
    vm_fail "udev knows /dev/dri/card0: $(tail -1 /tmp/udev-card0.txt)"
fi

# No kernel console on the screen while our programs own it: its cursor blink would also show
# up as flushes in QEMU's trace.
for b in /sys/class/vtconsole/vtcon*/bind; do
    grep -q 'frame buffer' "$(dirname "$b")/name" 2>/dev/null && echo 0 > "$b"
done

# ---- What the device offers -------------------------------------------------------------
if why=$(vm_missing vm-kmsprobe); then
    vm_skip "kms probe: $why"
else
    vm-kmsprobe /dev/dri/card0 >/tmp/probe.txt 2>&1
    while IFS= read -r l; do vm_note "probe: $l"; done </tmp/probe.txt
    vm_check "driver is virtio_gpu" grep -q '^driver virtio_gpu' /tmp/probe.txt
    vm_check "a connected connector with modes" grep -q '^connector .* connected modes .*x' /tmp/probe.txt
    vm_check "atomic modesetting offered" grep -q '^cap atomic 1' /tmp/probe.txt
    # A fact about the kernel, not a check of ours: Debian 12's virtio-gpu (6.1) offers no
    # FB_DAMAGE_CLIPS, so damage reaches it only through DIRTYFB (hyperv_drm offers both).
    vm_note "primary plane FB_DAMAGE_CLIPS: $(sed -n 's/^plane .* primary .* FB_DAMAGE_CLIPS \([01]\)$/\1/p' /tmp/probe.txt)"
fi

# ---- A known picture through the shim's kms output ------------------------------------------
if why=$(vm_missing vm-pattern); then
    vm_skip "pattern on kms: $why"
    exit 0
fi
spy=/opt/hvd/libvm-drmspy.so
[ -f "$spy" ] || spy=
want="101,53,77,31 600,500,64,48 150,70,90,60"

# run_pattern MODE [--legacy]: vm-pattern's steps, each checked on QEMU's screen, with QEMU's
# flushes and the kernel calls of the three damage-only frames.
run_pattern() {
    local mode=$1 steps=0 line step size pid rc flushes="" got
    shift
    rm -f /tmp/pat.in /tmp/pat.out
    mkfifo /tmp/pat.in /tmp/pat.out
    LD_PRELOAD=$spy VM_DRMSPY_LOG=/tmp/pattern-$mode.drm vm-pattern "$@" /dev/dri/card0 \
        </tmp/pat.in >/tmp/pat.out 2>/tmp/pattern-$mode.log &
    pid=$!
    exec 3>/tmp/pat.in 4</tmp/pat.out
    while IFS= read -r -t 60 line <&4; do
        set -- $line
        [ "$1" = ready ] || continue
        step=$2 size=$3
        shift 3
        vm_ask "pattern-$mode-$step" screen-pattern "$size" "$@" >/dev/null
        steps=$((steps + 1))
        # QEMU's flushes between the full frame and the exit (which restores the console).
        [ "$step" = 0 ] && vm_ask "trace-$mode" trace-begin "pattern-$mode" >/dev/null
        [ "$step" = 3 ] && flushes=$(vm_ask "trace-$mode" trace-end "pattern-$mode")
        echo next >&3
    done
    exec 3>&- 4<&-
    wait $pid
    rc=$?
    if [ "$steps" -eq 4 ] && [ "$rc" -eq 0 ]; then
        vm_ok "$mode: vm-pattern drew its 4 steps"
    else
        vm_fail "$mode: vm-pattern drew its 4 steps: $steps steps, exit $rc"
        vm_log "/tmp/pattern-$mode.log"
    fi
    [ -n "$spy" ] && while IFS= read -r l; do vm_note "$mode drm: $l"; done <"/tmp/pattern-$mode.drm"
    # The device's view: one flush per damage-only frame, exactly the rectangle drawn.
    got=$(echo "$flushes" | sed -n 's/.*rects=\([0-9,;]*\).*/\1/p' | tr ';' ' ')
    if [ "$got" = "$want" ]; then
        vm_ok "$mode: QEMU flushed exactly the damaged rectangles"
    else
        vm_fail "$mode: QEMU flushed exactly the damaged rectangles: flushed '$got', damage '$want'"
    fi
}
run_pattern atomic
run_pattern legacy --legacy
exit 0
