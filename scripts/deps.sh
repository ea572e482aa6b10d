# Debian 12 packages hvdisplay needs, and a helper that installs the missing ones.
# Sourced by scripts/run-main.sh and scripts/run-tests.sh.

BUILD_PACKAGES="gcc clang meson ninja-build pkg-config python3 libc6-dev
libpng-dev libpixman-1-dev libjson-c-dev libdrm-dev libvncserver-dev
libvterm-dev libfreetype-dev fonts-dejavu-core libxkbcommon-dev xkb-data
libinput-dev libudev-dev"
TEST_PACKAGES="g++ clang-format libclang-rt-14-dev tshark
xterm
vncsnapshot xvfb tigervnc-viewer x11-apps novnc websockify chromium
libyuv-dev libswscale-dev"
# The vm suite (tests/vm): QEMU, Debian's kernel, and what the initramfs takes from this machine.
VM_PACKAGES="qemu-system-x86 linux-image-amd64 busybox-static udev kmscon cpio
fonts-dejavu-core xkb-data"

# install_missing PKG...: apt-get installs the packages dpkg does not report as installed.
install_missing()
{
    local missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "installing:$missing"
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: packages missing ($missing) and not running as root" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; the answer does not matter here.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -q >/dev/null || true
    apt-get install -y -q --no-install-recommends $missing
}
