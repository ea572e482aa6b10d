#!/bin/sh
# hvcon: the console on the kernel's KMS device, typed into as on a Hyper-V VM: hvhost types,
# input_hv exports a uinput keyboard, libinput (in hvcon) reads it, the shell on hvcon's pty
# answers. The screen must show exactly what hvcon --headless draws for the same bytes, and every
# keystroke's frame is logged (libvm-drmspy.so: the damage the console sent to the kernel) beside
# the flushes QEMU saw. Debian's kmscon goes through the same typing first, as the peer.
. /etc/vm/lib.sh

for p in hvhost hvevtest vm-monitor; do
    if why=$(vm_missing $p); then
        vm_skip "typing into a console: $why"
        exit 0
    fi
done
vm_unbind_fbcon
if ! vm_start_input_host >/tmp/input-host.txt; then
    vm_fail "input for the consoles: $(cat /tmp/input-host.txt)"
    vm_log /tmp/hvevtest.log
    exit 1
fi

# The child: no cursor (so the picture does not depend on its blink), then echo each line back.
# The tty echoes what is typed; the loop adds "> line".
cat >/tmp/reader.sh <<'EOF'
printf '\033[?25l'
while IFS= read -r line; do printf '> %s\n' "$line"; done
EOF
TEXT="hello world"
spy=/opt/hvd/libvm-drmspy.so
[ -f "$spy" ] || spy=

# summarise NAME LOG: the console's frames while typing, as figures. A page flip or a commit
# without FB_DAMAGE_CLIPS updates the whole screen.
summarise() {
    awk -v screen=786432 '
        / atomic | dirtyfb | flip / {
            frames++
            if ($0 ~ /clips=none| flip /) { full++; area += screen; if (screen > max) max = screen; next }
            n = $0; sub(/.*clips=/, "", n); sub(/ .*/, "", n); clips += n
            a = $0; sub(/.*area=/, "", a); sub(/ .*/, "", a); area += a; if (a + 0 > max) max = a + 0
        }
        END { printf "%d %d %d %d %d\n", frames, full, clips, area, max }' "$2" >/tmp/sum.txt
    read -r frames full clips area max </tmp/sum.txt
    vm_bench "$1.typing.frames" "$frames" frames
    vm_bench "$1.typing.full_frames" "$full" frames
    vm_bench "$1.typing.clips_per_frame" "$(awk -v c="$clips" -v f="$frames" 'BEGIN { printf "%.2f", f ? c / f : 0 }')" clips
    vm_bench "$1.typing.pixels_per_frame" "$(awk -v a="$area" -v f="$frames" 'BEGIN { printf "%d", f ? a / f : 0 }')" pixels
    vm_bench "$1.typing.max_pixels" "$max" pixels
}

# type_text NAME PID: types $TEXT one key per frame (each key once the previous one's frame is
# out), then Enter; logs the console's frames and QEMU's flushes meanwhile.
type_text() {
    local name=$1 pid=$2 before i c n flushes
    vm_ask "$name-typing" trace-begin "$name-typing" >/dev/null
    before=$(wc -l <"/tmp/$name.drm")
    i=0
    while [ $i -lt ${#TEXT} ]; do
        c=$(echo "$TEXT" | cut -c$((i + 1)))
        n=$(wc -l <"/tmp/$name.drm")
        vm_type "$c"
        # A space over blank cells, the cursor hidden, changes no pixel: a console that damages
        # by content has nothing to send for it, so only the next key's frame is awaited.
        if [ "$c" != " " ]; then
            vm_wait_for 10 sh -c "[ \$(wc -l </tmp/$name.drm) -gt $n ]" || vm_note "$name: no frame for key '$c'"
        fi
        i=$((i + 1))
    done
    n=$(wc -l <"/tmp/$name.drm")
    vm_type '\n'
    vm_wait_for 10 sh -c "[ \$(wc -l </tmp/$name.drm) -gt $n ]"
    flushes=$(vm_ask "$name-typing" trace-end "$name-typing")
    vm_note "$name: QEMU while typing: $(echo "$flushes" | sed 's/ rects=.*//')"
    tail -n +$((before + 1)) "/tmp/$name.drm" >"/tmp/$name-typing.drm"
    while IFS= read -r l; do vm_note "$name drm: $l"; done <"/tmp/$name-typing.drm"
    summarise "$name" "/tmp/$name-typing.drm"
}

# ---- The peer: Debian's kmscon (its own evdev input, no libinput) -----------------------------
if [ -x /usr/libexec/kmscon/kmscon ]; then
    : >/tmp/kmscon.drm
    LD_PRELOAD=$spy VM_DRMSPY_LOG=/tmp/kmscon.drm /usr/libexec/kmscon/kmscon --vt=2 --switchvt \
        --font-engine=pango --font-name="DejaVu Sans Mono" --font-size=12 --font-dpi=96 \
        --no-reset-env --login -- /bin/sh /tmp/reader.sh >/tmp/kmscon.log 2>&1 &
    pid=$!
    if vm_wait_for 60 vm_holds "$pid" "$VM_KBD_NODE" &&
        vm_wait_for 30 grep -q ' setcrtc \| atomic \| flip ' /tmp/kmscon.drm; then
        type_text kmscon "$pid"
        vm_ask kmscon-typed screendump >/dev/null
        vm_ok "kmscon reads the uinput keyboard and draws what is typed (kmscon-typed.png)"
    else
        vm_fail "kmscon reads the uinput keyboard: not open after 60 s"
        vm_log /tmp/kmscon.log
    fi
    kill "$pid" 2>/dev/null
    vm_wait_for 10 sh -c "! kill -0 $pid"
else
    vm_skip "kmscon typing: $(grep '^kmscon:' /etc/vm/missing)"
fi

# ---- hvcon ----------------------------------------------------------------------------------
if why=$(vm_missing hvcon); then
    vm_skip "hvcon on kms: $why"
    exit 0
fi
if ! kms=$(vm_hvcon_kms_args); then
    vm_skip "hvcon on kms: this hvcon has no kms output yet (hvcon --help names none)"
    exit 0
fi
opts="--font $VM_FONT --font-size $VM_FONT_PX"
opts64=$(echo "$opts" | base64 | tr -d '\n')
: >/tmp/hvcon.drm
# Not on hvhost's VMBus: the keyboard must come the way it does on Hyper-V, through evdev.
LD_PRELOAD=$spy VM_DRMSPY_LOG=/tmp/hvcon.drm env -u HVDISPLAY_VMBUS hvcon $kms $opts -- /bin/sh /tmp/reader.sh \
    >/tmp/hvcon.log 2>&1 &
pid=$!
if ! vm_wait_for 30 vm_holds "$pid" "$VM_KBD_NODE"; then
    vm_fail "hvcon opens the uinput keyboard through libinput: not open after 30 s"
    vm_log /tmp/hvcon.log
    kill "$pid" 2>/dev/null
    exit 1
fi
vm_ok "hvcon opens the uinput keyboard through libinput"
printf '\033[?25l' >/tmp/expect0
vm_ask hvcon-start screen-hvcon 1024x768 "$opts64" "$(vm_b64 /tmp/expect0)" >/dev/null
type_text hvcon "$pid"
printf '\033[?25l%s\n> %s\n' "$TEXT" "$TEXT" >/tmp/expect1
vm_ask hvcon-typed screen-hvcon 1024x768 "$opts64" "$(vm_b64 /tmp/expect1)" >/dev/null
if [ "$frames" -ge ${#TEXT} ] && [ "$full" -eq 0 ] && [ "$max" -lt 78643 ]; then
    vm_ok "hvcon typing: every frame's damage is a small part of the screen"
else
    vm_fail "hvcon typing: every frame's damage is a small part of the screen: $frames frames, $full whole-screen, largest $max pixels"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
kill $VM_HVEVTEST_PID $VM_HVHOST_PID 2>/dev/null
exit 0
