#!/bin/sh
# hvplay: the player on the kernel's KMS device. A still clip must show the same pixels as
# hvplay's headless output on the host, and send nothing after its first frame; a clip whose top
# half stands still must damage only the moving part of the picture, frame after frame
# (libvm-drmspy.so: what the kms output sent; QEMU's trace: what the device flushed).
. /etc/vm/lib.sh

for p in hvplay y4mgen; do
    if why=$(vm_missing $p); then
        vm_skip "hvplay on kms: $why"
        exit 0
    fi
done
vm_unbind_fbcon
spy=/opt/hvd/libvm-drmspy.so
[ -f "$spy" ] || spy=
play="--fullscreen --output kms -q"

# summary LOG: "frames N full N clips N area N max N" over the log's commits after the first.
summary() {
    awk -v screen=786432 '
        / atomic | dirtyfb / {
            if (!seen++) next
            frames++
            if ($0 ~ /clips=none/) { full++; area += screen; if (screen > max) max = screen; next }
            n = $0; sub(/.*clips=/, "", n); sub(/ .*/, "", n); clips += n
            a = $0; sub(/.*area=/, "", a); sub(/ .*/, "", a); area += a; if (a + 0 > max) max = a + 0
        }
        END { printf "frames %d full %d clips %d area %d max %d\n", frames, full, clips, area, max }' "$1"
}

# ---- A still clip: exact pixels, then no more frames ----------------------------------------
# Ten seconds of the same picture, so the host has time to look while it plays; the host draws
# its expectation from one frame of the same clip.
gen="--size 320x180 --frames 300 --static-rows 180"
y4mgen $gen -o /tmp/still.y4m
: >/tmp/still.drm
LD_PRELOAD=$spy VM_DRMSPY_LOG=/tmp/still.drm hvplay $play /tmp/still.y4m >/tmp/still.log 2>&1 &
pid=$!
if vm_wait_for 30 sh -c "grep -q ' atomic \| dirtyfb \| setcrtc ' /tmp/still.drm"; then
    vm_ask hvplay-still screen-hvplay 1024x768 "$(echo "$gen" | base64 | tr -d '\n')" \
        "$(echo "--frames 1" | base64 | tr -d '\n')" >/dev/null
else
    vm_fail "hvplay shows a frame on kms: nothing committed after 30 s"
fi
wait "$pid"
rc=$?
vm_check "hvplay plays a still clip on kms (exit $rc)" test "$rc" -eq 0 || vm_log /tmp/still.log
[ -n "$spy" ] && {
    read -r _ frames _ full _ clips _ area _ max <<EOS
$(summary /tmp/still.drm)
EOS
    vm_bench hvplay.still.frames_after_first "$frames" commits
    if [ "$area" -eq 0 ]; then
        vm_ok "a still clip damages nothing after its first frame"
    else
        vm_fail "a still clip damages nothing after its first frame: $frames commits, $area pixels"
    fi
}

# ---- Bars scrolling under a still top half ----------------------------------------------------
# --bench shows every frame as fast as it can (real-time pacing would drop frames under TCG, and
# the count of frames would depend on the machine's speed).
gen="--size 320x180 --frames 60 --static-rows 90"
y4mgen $gen -o /tmp/moving.y4m
: >/tmp/moving.drm
vm_ask hvplay-moving trace-begin hvplay-moving >/dev/null
LD_PRELOAD=$spy VM_DRMSPY_LOG=/tmp/moving.drm hvplay $play --bench /tmp/moving.y4m >/tmp/moving.log 2>&1 &
pid=$!
vm_wait_for 30 sh -c "[ \$(grep -c ' atomic \| dirtyfb ' /tmp/moving.drm) -ge 20 ]" &&
    vm_ask hvplay-moving-mid screendump >/dev/null
wait "$pid"
rc=$?
flushes=$(vm_ask hvplay-moving trace-end hvplay-moving)
vm_check "hvplay plays a moving clip on kms (exit $rc)" test "$rc" -eq 0 || vm_log /tmp/moving.log
grep -A4 'hvplay --bench' /tmp/moving.log | while IFS= read -r l; do vm_note "hvplay: $l"; done
vm_note "QEMU while playing: $(echo "$flushes" | sed 's/ rects=.*//')"
[ -n "$spy" ] && {
    grep ' atomic \| dirtyfb ' /tmp/moving.drm | head -5 | while IFS= read -r l; do vm_note "drm: $l"; done
    read -r _ frames _ full _ clips _ area _ max <<EOS
$(summary /tmp/moving.drm)
EOS
    vm_bench hvplay.moving.frames "$frames" frames
    vm_bench hvplay.moving.full_frames "$full" frames
    vm_bench hvplay.moving.pixels_per_frame "$(awk -v a="$area" -v f="$frames" 'BEGIN { printf "%d", f ? a / f : 0 }')" pixels
    # The picture is 1024x576 (fit); its still top half is 288 rows of it.
    if [ "$frames" -gt 0 ] && [ "$full" -eq 0 ] && [ "$max" -le $((1024 * 300)) ]; then
        vm_ok "a clip with a still top half damages only the moving part"
    else
        vm_fail "a clip with a still top half damages only the moving part: $frames frames, $full without clips, largest $max pixels"
    fi
}
exit 0
