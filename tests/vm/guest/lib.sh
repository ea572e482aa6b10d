# Helpers for the guest's scenario scripts (sourced). The serial console carries the results:
#
#   @@VM ok NAME                  a check passed           (a TAP line on the host)
#   @@VM fail NAME: WHY           a check failed
#   @@VM skip NAME: WHY           a check could not run, and why
#   @@VM note TEXT                a TAP comment
#   @@VM bench KEY VALUE UNIT     a figure for bench/console (printed, never judged)
#   @@VM ask TAG WHAT ARGS...     a request to the host (screen check, trace window); the host
#                                 answers "@@HOST TAG ok|fail DETAIL" on the same line
#
# The host keeps the whole serial log, so program logs can be sent with vm_log FILE.

VM_TTY=/dev/ttyS0

vm_say() { echo "@@VM $*" > "$VM_TTY"; }
vm_ok() { vm_say "ok $*"; }
vm_fail() { vm_say "fail $*"; }
vm_skip() { vm_say "skip $*"; }
vm_note() { vm_say "note $*"; }
vm_bench() { vm_say "bench $*"; }

# vm_check NAME COMMAND...: ok when COMMAND succeeds, else fail with its last output line.
vm_check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
        vm_ok "$name"
    else
        vm_fail "$name: $(echo "$out" | tail -1)"
        return 1
    fi
}

# vm_log FILE [LINES]: the tail of a log as notes (for a failure's context).
vm_log() {
    [ -f "$1" ] || return 0
    tail -n "${2:-20}" "$1" | while IFS= read -r l; do vm_say "log $(basename "$1"): $l"; done
}

# vm_missing PROGRAM: true (and prints why) when the initramfs has no such program.
vm_missing() {
    if [ -x "/opt/hvd/bin/$1" ]; then
        return 1
    fi
    grep "^$1:" /etc/vm/missing 2>/dev/null || echo "$1: not in the initramfs"
}

# vm_ask TAG WHAT ARGS...: asks the host and waits (bounded) for its answer; prints the
# answer's detail and returns 0 for ok. The host times out its own checks first.
vm_ask() {
    local tag=$1 line
    vm_say "ask $*"
    while IFS= read -r -t "${VM_ASK_TIMEOUT:-90}" line < "$VM_TTY"; do
        case "$line" in
        "@@HOST $tag ok"*) echo "${line#"@@HOST $tag ok"}"; return 0 ;;
        "@@HOST $tag fail"*) echo "${line#"@@HOST $tag fail"}"; return 1 ;;
        esac
    done
    echo "no answer from the host"
    return 1
}

# vm_wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds; 1 on timeout.
# For states the kernel or another process reaches on its own (a device node, an open fd),
# bounded so a broken program fails the check instead of hanging the VM.
vm_wait_for() {
    local tries=$(($1 * 10))
    shift
    while [ "$tries" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        usleep 100000
        tries=$((tries - 1))
    done
    return 1
}

# vm_b64 FILE: the file as one line of base64 (to carry bytes in an ask).
vm_b64() { base64 "$1" | tr -d '\n'; }

# vm_hvcon_kms_args: the options that put hvcon on the kms output (its --help names them);
# fails when this hvcon has no kms output.
vm_hvcon_kms_args() {
    local help opt
    help=$(hvcon --help 2>&1)
    for opt in --output --display --backend; do
        echo "$help" | grep -A1 -e "$opt " -e "$opt=" | grep -q kms && { echo "$opt kms"; return 0; }
    done
    echo "$help" | grep -q -e '--kms' && { echo "--kms"; return 0; }
    return 1
}

# The font both consoles use, and hvcon's pixel size for it (kmscon: 12 pt at 96 dpi).
VM_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
VM_FONT_PX=16

# vm_unbind_fbcon: the kernel console lets go of the screen (its cursor blink would draw and
# flush while our programs own the display).
vm_unbind_fbcon() {
    local b
    for b in /sys/class/vtconsole/vtcon*/bind; do
        grep -q 'frame buffer' "$(dirname "$b")/name" 2>/dev/null && echo 0 > "$b"
    done
}

# vm_start_input_host: hvhost (keyboard and mouse only) and hvevtest --uinput, so keys typed
# through the monitor ($VM_MON) reach the kernel as a uinput keyboard. Sets VM_KBD_NODE.
vm_start_input_host() {
    export HVDISPLAY_VMBUS=/run/hvd/vmbus.sock
    VM_MON=/run/hvd/monitor.sock
    mkdir -p /run/hvd
    hvhost --no-video --vmbus "$HVDISPLAY_VMBUS" --monitor "$VM_MON" >/tmp/hvhost.log 2>&1 &
    VM_HVHOST_PID=$!
    vm_wait_for 20 test -S "$VM_MON" || { echo "hvhost made no monitor socket"; return 1; }
    hvevtest --uinput >/tmp/hvevtest.log 2>&1 &
    VM_HVEVTEST_PID=$!
    vm-monitor "$VM_MON" '{"cmd": "wait", "what": "device", "device": "keyboard", "timeout_ms": 30000}' \
        >/tmp/wait.txt || { echo "hvevtest did not open the keyboard: $(cat /tmp/wait.txt)"; return 1; }
    vm_wait_for 20 vm_uinput_kbd || { echo "no uinput keyboard tagged by udev"; return 1; }
    VM_KBD_NODE=$(vm_uinput_kbd)
}

# vm_uinput_kbd: the uinput keyboard's event node (under /devices/virtual: QEMU's PS/2
# keyboard is a keyboard too) once udev has tagged it.
vm_uinput_kbd() {
    local ev node
    for ev in /sys/class/input/event*; do
        case $(readlink -f "$ev") in */devices/virtual/*) ;; *) continue ;; esac
        node=/dev/input/${ev##*/}
        udevadm info "$node" 2>/dev/null | grep -q 'E: ID_INPUT_KEYBOARD=1' && { echo "$node"; return 0; }
    done
    return 1
}

# vm_holds PID NODE: the process has NODE open.
vm_holds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q " $2\$"; }

# vm_type TEXT: hvhost types it (JSON-escaped by the caller where needed).
vm_type() { vm-monitor "$VM_MON" "{\"cmd\": \"type\", \"text\": \"$1\"}" >/dev/null; }
