#!/bin/sh
# bench: bench/console's VM part. `cat` of the same files on the kernel's own fbcon (virtio-gpu's
# fbdev emulation), Debian's kmscon and hvcon, one after the other in this VM, all on the same
# virtual GPU at the same mode with a 16-pixel font where the console lets us choose.
# Prints MB/s per console and file as "@@VM bench" figures; never fails a check on speed (only
# when a console does not run at all). Under TCG the figures compare consoles with each other,
# not with a real machine.
. /etc/vm/lib.sh

CAP=${VM_BENCH_CAP:-90} # seconds at most for one console and file
mkdir -p /tmp/bench
# lines: plain text that scrolls a line at a time; colour: SGR colours every few characters.
awk 'BEGIN { for (i = 1; i <= 6000; i++)
    printf "line %6d: the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJ\n", i }' \
    >/tmp/bench/lines.txt
awk 'BEGIN { for (i = 1; i <= 3000; i++) {
    for (j = 0; j < 8; j++) printf "\033[3%dm%s\033[4%dmword%02d\033[0m ", j, "col", (j + i) % 8, j
    printf "\n" } }' >/tmp/bench/colour.txt
FILES="lines colour"
for f in $FILES; do
    vm_note "file $f: $(wc -c </tmp/bench/$f.txt) bytes, $(wc -l </tmp/bench/$f.txt) lines"
done

# The timing half, run inside each console: the terminal's size, then per file the seconds cat
# took (the console has drawn all but what fits in the pty's buffer when cat returns).
cat >/tmp/bench/run.sh <<'EOF'
out=$1
shift
echo "size $(stty size)" >"$out.tmp"
for f in "$@"; do
    t0=$(cut -d' ' -f1 /proc/uptime)
    cat "/tmp/bench/$f.txt"
    t1=$(cut -d' ' -f1 /proc/uptime)
    echo "file $f $(wc -c <"/tmp/bench/$f.txt") $t0 $t1" >>"$out.tmp"
done
mv "$out.tmp" "$out"
exec sleep 3600
EOF

# report CONSOLE RESULT-FILE: the figures, as MB/s.
report() {
    local console=$1 res=$2 word f bytes t0 t1
    while read -r word f bytes t0 t1; do
        case "$word" in
        size) vm_note "$console: terminal of $f rows x $bytes columns" ;;
        file)
            vm_bench "console.$console.$f" \
                "$(awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN { s = z - a; if (s < 0.01) s = 0.01; printf "%.2f", b / s / 1e6 }')" MB/s
            ;;
        esac
    done <"$res"
}

# ---- the kernel's fbcon on tty1 -----------------------------------------------------------
if grep -q 'frame buffer' /sys/class/vtconsole/vtcon*/name 2>/dev/null; then
    chvt 1
    : >/tmp/bench/fbcon.res
    echo "size $(stty size </dev/tty1)" >>/tmp/bench/fbcon.res
    for f in $FILES; do
        t0=$(cut -d' ' -f1 /proc/uptime)
        timeout "$CAP" cat "/tmp/bench/$f.txt" >/dev/tty1
        t1=$(cut -d' ' -f1 /proc/uptime)
        echo "file $f $(wc -c </tmp/bench/$f.txt) $t0 $t1" >>/tmp/bench/fbcon.res
    done
    report fbcon /tmp/bench/fbcon.res
    vm_ask bench-fbcon screendump >/dev/null
    vm_ok "bench: fbcon ran"
else
    vm_skip "bench fbcon runs: no frame buffer console bound ($(cat /sys/class/vtconsole/vtcon*/name | tr '\n' ' '))"
fi

# run_console NAME PID RESULT: waits for the console's child to report, then ends the console.
run_console() {
    local name=$1 pid=$2 res=$3
    if vm_wait_for $((CAP * 2)) test -f "$res"; then
        report "$name" "$res"
        vm_ask "bench-$name" screendump >/dev/null
        vm_ok "bench: $name ran"
    else
        vm_fail "bench: $name ran: no result after $((CAP * 2)) s"
        vm_log "/tmp/bench/$name.log"
    fi
    kill "$pid" 2>/dev/null
    vm_wait_for 10 sh -c "! kill -0 $pid"
    kill -9 "$pid" 2>/dev/null
}

# ---- Debian's kmscon on VT 2 --------------------------------------------------------------
if [ -x /usr/libexec/kmscon/kmscon ]; then
    /usr/libexec/kmscon/kmscon --vt=2 --switchvt --font-engine=pango --font-name="DejaVu Sans Mono" \
        --font-size=12 --font-dpi=96 --no-reset-env \
        --login -- /bin/sh /tmp/bench/run.sh /tmp/bench/kmscon.res $FILES \
        >/tmp/bench/kmscon.log 2>&1 &
    run_console kmscon $! /tmp/bench/kmscon.res
else
    vm_skip "bench kmscon runs: $(grep '^kmscon:' /etc/vm/missing)"
fi

# ---- hvcon on the kms output ----------------------------------------------------------------
if why=$(vm_missing hvcon); then
    vm_skip "bench hvcon runs: $why"
elif ! kms=$(vm_hvcon_kms_args); then
    vm_skip "bench hvcon runs: this hvcon has no kms output yet (hvcon --help names none)"
else
    vm_unbind_fbcon
    chvt 3
    env -u HVDISPLAY_VMBUS hvcon $kms --font "$VM_FONT" --font-size "$VM_FONT_PX" -- \
        /bin/sh /tmp/bench/run.sh /tmp/bench/hvcon.res $FILES >/tmp/bench/hvcon.log 2>&1 &
    run_console hvcon $! /tmp/bench/hvcon.res
fi
exit 0
