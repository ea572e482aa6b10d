#!/bin/bash
# Builds the initramfs the vm suite boots: Debian's kernel modules for virtio-gpu and input,
# busybox, systemd-udevd (libinput takes only devices udev has tagged), hvdisplay's programs with
# their libraries, Debian's kmscon as the peer, fonts, xkb data, and the guest scripts.
#
#   build-initramfs.sh --out FILE --build DIR [--kver VERSION] [--src DIR]
#
# --build is a meson build directory of hvdisplay; every program it has built is copied, and
# what is missing is listed in /etc/vm/missing so the scenarios can say why they skip.
# The result is an uncompressed newc cpio: unpacking it costs the TCG guest nothing, while
# gunzip of ~60 MB takes it several seconds. Prints the kernel image to boot on stdout.
# Exit status 3 means a host prerequisite is missing (the message says which): the caller
# reports SKIP.
set -eu -o pipefail

out="" build="" kver="" src="$(cd "$(dirname "$0")/../.." && pwd)"
while [ $# -gt 0 ]; do
    case "$1" in
    --out) out=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --kver) kver=$2; shift 2 ;;
    --src) src=$2; shift 2 ;;
    *) echo "build-initramfs.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ -n "$out" ] && [ -n "$build" ] || { echo "usage: $0 --out FILE --build DIR [--kver V]" >&2; exit 2; }

missing_host() { echo "build-initramfs.sh: $*" >&2; exit 3; }

if [ -z "$kver" ]; then
    # The newest Debian kernel that has both an image and modules.
    for k in $(ls /lib/modules 2>/dev/null | sort -V -r); do
        [ -r "/boot/vmlinuz-$k" ] && { kver=$k; break; }
    done
fi
[ -n "$kver" ] || missing_host "no kernel: no /boot/vmlinuz-* with /lib/modules/<version> (install linux-image-amd64)"
[ -r "/boot/vmlinuz-$kver" ] || missing_host "/boot/vmlinuz-$kver is missing or unreadable"
# Debian's busybox-static: one static binary, so the image needs no libraries for its shell.
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
    missing_host "no static /bin/busybox (install busybox-static)"
[ -x /lib/systemd/systemd-udevd ] || missing_host "no /lib/systemd/systemd-udevd (install udev)"
command -v cpio >/dev/null || missing_host "no cpio"

root=$(mktemp -d "${TMPDIR:-/tmp}/hvd-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,etc/vm,proc,sys,dev,run,tmp,root}
mkdir -p "$root"/{opt/hvd/bin,scenarios,var/log}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"

# dest PATH: where PATH goes inside the image, its directories resolved as on the host (merged
# /usr: /lib/x86_64-linux-gnu/libc.so.6 lands in usr/lib/...) and its own name kept (a soname).
dest() {
    local dir
    dir=$(readlink -f "$(dirname "$1")")
    echo "$root$dir/$(basename "$1")"
}

# put PATH: copies a file (dereferenced) to the same place in the image.
put() {
    local d
    d=$(dest "$1")
    [ -e "$d" ] && return 0
    mkdir -p "$(dirname "$d")"
    cp -L "$1" "$d"
}

# put_elf PATH: a program or library and every shared library ldd says it needs.
put_elf() {
    put "$1"
    local lib
    for lib in $(ldd "$1" 2>/dev/null | sed -n -e 's/.*=> \(\/[^ ]*\).*/\1/p' -e 's/^\s*\(\/[^ ]*\) (.*/\1/p'); do
        put "$lib"
    done
}

# put_tree DIR: a directory as it is (data: rules, fonts, keymaps).
put_tree() {
    local d
    d=$(dest "$1")
    mkdir -p "$(dirname "$d")"
    cp -a -L "$1" "$d"
}

# ---- Kernel modules: in load order, with what modprobe says they need --------------------
moddir=/lib/modules/$kver
: > "$root/etc/vm/modules"
for m in virtio_pci virtio_gpu evdev uinput; do
    modprobe -S "$kver" --show-depends "$m" 2>/dev/null | while read -r verb path _; do
        [ "$verb" = insmod ] || continue
        grep -qxF "$path" "$root/etc/vm/modules" && continue
        put "$path"
        echo "$path" >> "$root/etc/vm/modules"
    done
done
grep -q virtio-gpu "$root/etc/vm/modules" || missing_host "no virtio-gpu module in $moddir"
cp "$moddir/modules.order" "$moddir/modules.builtin" "$root/$(readlink -f "$moddir")/" 2>/dev/null || true
echo "$kver" > "$root/etc/vm/kernel"

# ---- busybox and udev -------------------------------------------------------------------
cp /bin/busybox "$root/usr/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ -e "$root/usr/bin/$applet" ] || ln -s busybox "$root/usr/bin/$applet"
done
put_elf /lib/systemd/systemd-udevd
put_elf /bin/udevadm
rules=/lib/udev/rules.d
for r in 50-udev-default 60-drm 60-evdev 60-input-id 60-persistent-input 70-mouse 70-touchpad 71-seat 73-seat-late \
    80-libinput-device-groups 90-libinput-fuzz-override; do
    [ -r "$rules/$r.rules" ] && put "$rules/$r.rules"
done
# No hwdb.bin (13 MB): its keyboard remaps and mouse DPI do not concern virtual devices, and
# the initramfs loads faster without it.
for f in /lib/udev/libinput-device-group /lib/udev/libinput-fuzz-extract \
    /lib/udev/libinput-fuzz-to-zero; do
    [ -e "$f" ] && put_elf "$f"
done
[ -d /usr/share/libinput ] && put_tree /usr/share/libinput
cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
cat > "$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
disk:x:6:
kmem:x:15:
dialout:x:20:
video:x:44:
audio:x:29:
input:x:105:
render:x:106:
kvm:x:107:
sgx:x:108:
EOF

# ---- Data: fonts, keymaps, terminfo -------------------------------------------------------
for f in /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf \
    /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf; do
    [ -r "$f" ] && put "$f"
done
[ -d /usr/share/X11/xkb ] && put_tree /usr/share/X11/xkb
for t in x/xterm x/xterm-256color l/linux v/vt220 d/dumb; do
    for tdir in /usr/share/terminfo /lib/terminfo; do
        [ -r "$tdir/$t" ] && put "$tdir/$t"
    done
done
[ -d /etc/fonts ] && put_tree /etc/fonts

# ---- hvdisplay's programs: whatever this build has ----------------------------------------
: > "$root/etc/vm/missing"
add_program() { # add_program NAME PATH-IN-BUILD...: the first that exists
    local name=$1 p
    shift
    for p in "$@"; do
        if [ -x "$build/$p" ] && [ -f "$build/$p" ]; then
            put_elf "$build/$p"
            local d
            d=$(dest "$build/$p")
            ln -sf "${d#"$root"}" "$root/opt/hvd/bin/$name"
            return 0
        fi
    done
    echo "$name: not built in $build (looked for $*)" >> "$root/etc/vm/missing"
}
add_program hvcon fbcon/hvcon
add_program hvhost hvhost/hvhost
add_program hvevtest input_hv/hvevtest
add_program hvplay demos/hvplay demos/hvplay/hvplay
add_program y4mgen demos/y4mgen
add_program test_hvi_libinput tests/test_hvi_libinput
add_program vm-kmsprobe tests/vm/vm-kmsprobe
add_program vm-pattern tests/vm/vm-pattern
add_program vm-monitor tests/vm/vm-monitor
if [ -f "$build/tests/vm/libvm-drmspy.so" ]; then
    put_elf "$build/tests/vm/libvm-drmspy.so"
    spy=$(dest "$build/tests/vm/libvm-drmspy.so")
    ln -sf "${spy#"$root"}" "$root/opt/hvd/libvm-drmspy.so"
else
    echo "libvm-drmspy.so: not built in $build" >> "$root/etc/vm/missing"
fi

# ---- The peer: Debian's kmscon (its modules are dlopen()ed: ldd them too) -----------------
if [ -x /usr/libexec/kmscon/kmscon ]; then
    put_elf /usr/libexec/kmscon/kmscon
    for m in /usr/lib/x86_64-linux-gnu/kmscon/mod-{bbulk,pango,pixman,unifont}.so; do
        [ -r "$m" ] && put_elf "$m"
    done
else
    echo "kmscon: not installed on the host (apt-get install kmscon)" >> "$root/etc/vm/missing"
fi

# ---- Guest scripts ----------------------------------------------------------------------
install -m 0755 "$src/tests/vm/guest/init" "$root/init"
install -m 0644 "$src/tests/vm/guest/lib.sh" "$root/etc/vm/lib.sh"
for s in "$src"/tests/vm/scenarios/*.sh; do
    install -m 0755 "$s" "$root/scenarios/"
done

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc) > "$out.tmp"
mv "$out.tmp" "$out"
echo "/boot/vmlinuz-$kver"
