#!/bin/sh
# input: the synthetic keyboard and mouse as a desktop sees them on a real kernel. First
# test_hvi_libinput (input_hv's own test: uinput export read back with libinput, which needs
# /dev/uinput, root and udev, all here); then the programs: hvhost (the emulated Hyper-V host)
# types, hvevtest --uinput exports, and the kernel's evdev node must carry the keys udev tagged.
. /etc/vm/lib.sh

# ---- input_hv's libinput test, its TAP lines passed on --------------------------------------
if why=$(vm_missing test_hvi_libinput); then
    vm_skip "test_hvi_libinput: $why"
else
    test_hvi_libinput >/tmp/libinput.tap 2>/tmp/libinput.err
    rc=$?
    while IFS= read -r l; do
        case "$l" in
        "ok "*"# SKIP"*) n=${l#ok }; n=${n#* - }; vm_skip "test_hvi_libinput/${n%% # SKIP*}: ${l##*# SKIP }" ;;
        "ok "*) n=${l#ok }; vm_ok "test_hvi_libinput/${n#* - }" ;;
        "not ok "*) n=${l#not ok }; vm_fail "test_hvi_libinput/${n#* - }: see the guest log" ;;
        "#"*) vm_note "test_hvi_libinput: ${l#\# }" ;;
        esac
    done </tmp/libinput.tap
    if [ "$rc" -ne 0 ]; then
        vm_fail "test_hvi_libinput exits 0: exit $rc"
        vm_log /tmp/libinput.err
    fi
fi

# ---- hvhost -> input_hv -> uinput -> evdev, with udev's tags ----------------------------------
for p in hvhost hvevtest vm-monitor; do
    if why=$(vm_missing $p); then
        vm_skip "typed keys reach evdev: $why"
        exit 0
    fi
done
if vm_start_input_host >/tmp/input-host.txt; then
    node=$VM_KBD_NODE
    vm_ok "udev tags the uinput keyboard ID_INPUT_KEYBOARD ($node: $(cat /sys/class/input/${node##*/}/device/name))"
    udevadm info "$node" | grep 'E: ID_\|LIBINPUT' | while IFS= read -r l; do vm_note "udev $node: $l"; done
    # 24-byte input_events; field 9 of od's u2 words is the type (1 = EV_KEY).
    timeout 20 cat "$node" >/tmp/kbd.ev &
    cat_pid=$!
    vm_wait_for 10 vm_holds "$cat_pid" "$node"
    vm_type hello
    vm_wait_for 15 sh -c "[ \$(od -A n -t u2 -w24 -v /tmp/kbd.ev | awk '\$9 == 1' | wc -l) -ge 10 ]"
    keys=$(od -A n -t u2 -w24 -v /tmp/kbd.ev | awk '$9 == 1' | wc -l)
    kill "$cat_pid" 2>/dev/null
    if [ "$keys" -eq 10 ]; then
        vm_ok "typing 'hello' on the host gives 10 key events on $node"
    else
        vm_fail "typing 'hello' on the host gives 10 key events on $node: $keys"
        vm_log /tmp/hvevtest.log
    fi
else
    vm_fail "hvhost and hvevtest --uinput export a keyboard: $(cat /tmp/input-host.txt)"
    cat /proc/bus/input/devices >/tmp/devices.txt
    vm_log /tmp/devices.txt 40
    vm_log /tmp/hvhost.log
    vm_log /tmp/hvevtest.log
fi
kill $VM_HVEVTEST_PID $VM_HVHOST_PID 2>/dev/null
wait
exit 0
