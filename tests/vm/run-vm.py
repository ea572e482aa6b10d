#!/usr/bin/env python3
"""Boots one vm-suite scenario in QEMU (TCG, no network) and reports it as TAP.

    run-vm.py --build BUILD_DIR --scenario smoke [--out DIR] [--timeout SECONDS]

Builds the initramfs (tests/vm/build-initramfs.sh) from Debian's kernel and BUILD_DIR's programs,
boots it with a virtio-gpu, and follows the guest's "@@VM ..." lines on the serial console
(tests/vm/guest/lib.sh): checks become TAP lines, screen checks are done here through QMP
screendump, QEMU's virtio-gpu flush trace is summarised per window the guest asks for, and
figures are collected into OUT/bench.json. Screendumps and the serial log stay in OUT.

Python rather than C: it is glue around QEMU's line protocols (serial, QMP, trace), it runs where
meson runs, and the picture checks stay small with zlib from the standard library.

When QEMU cannot run here (no binary, no kernel, no static busybox, QEMU exits before the
guest says anything) the test prints exactly why and reports SKIP, never a pass.
"""
import argparse
import base64
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmimage  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREEN_W, SCREEN_H = 1024, 768
FLUSH_RE = re.compile(r"virtio_gpu_cmd_res_flush res 0x([0-9a-f]+), w (\d+), h (\d+), x (\d+), y (\d+)")
SCANOUT_RE = re.compile(r"virtio_gpu_cmd_set_scanout id (\d+), res 0x([0-9a-f]+)")


class Skip(Exception):
    pass


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, name, why=None, skip=None):
        self.n += 1
        name = name.replace("#", "")
        if skip is not None:
            print(f"ok {self.n} - {name} # SKIP {skip}", flush=True)
            return
        if not ok:
            self.failed += 1
        tail = f": {why}" if why and not ok else ""
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}{tail}", flush=True)

    @staticmethod
    def note(text):
        for line in str(text).splitlines() or [""]:
            print(f"# {line}", flush=True)

    def finish(self):
        print(f"1..{self.n}", flush=True)


class Qemu:
    """One QEMU process: serial on stdio (lines in, lines out), QMP on a Unix socket, the trace
    on stderr."""

    def __init__(self, argv, qmp_path, log_path):
        # We listen and QEMU connects to us as it starts (-chardev socket in client mode), so
        # there is no window in which the socket is not there yet to poll for.
        self.qmp_listen = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.qmp_listen.bind(qmp_path)
        self.qmp_listen.listen(1)
        self.lines = queue.Queue()
        self.trace = []  # (time, line) of virtio-gpu trace events, in order
        self.stderr_tail = []
        self.serial_log = open(log_path, "w", encoding="utf-8", errors="replace")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.started = time.monotonic()
        threading.Thread(target=self._read_serial, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.qmp = None

    def _read_serial(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.serial_log.write(f"{time.monotonic() - self.started:8.3f} {line}\n")
            self.serial_log.flush()
            self.lines.put(line)
        self.lines.put(None)

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if "virtio_gpu_" in line:
                self.trace.append((time.monotonic(), line))
            else:
                self.stderr_tail = (self.stderr_tail + [line])[-20:]

    def send(self, text):
        try:
            self.proc.stdin.write(text.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def _qmp_connect(self, deadline):
        self.qmp_listen.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            s, _ = self.qmp_listen.accept()
        except socket.timeout:
            raise RuntimeError("QEMU did not connect to the QMP socket") from None
        finally:
            self.qmp_listen.close()
        s.settimeout(30)
        f = s.makefile("rwb")
        json.loads(f.readline())  # the greeting
        self.qmp = (s, f)
        self.qmp_cmd("qmp_capabilities")

    def qmp_cmd(self, name, **args):
        if self.qmp is None:
            self._qmp_connect(time.monotonic() + 20)
        _, f = self.qmp
        f.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError("QMP connection closed")
            reply = json.loads(line)
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"QMP {name}: {reply['error'].get('desc')}")

    def screendump(self, path):
        self.qmp_cmd("screendump", filename=path)
        return vmimage.read_ppm(path)

    def stop(self, grace):
        if self.proc.poll() is None:
            try:
                self.qmp_cmd("quit")
            except (RuntimeError, OSError, ValueError):
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.serial_log.close()


class Run:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.tap = Tap()
        self.bench = []
        self.trace_marks = {}
        self.qemu = None

    # ---- preparation -------------------------------------------------------------------
    def prepare(self):
        qemu = shutil.which(self.args.qemu)
        if not qemu:
            raise Skip(
                f"{self.args.qemu} not found: install qemu-system-x86 "
                "(scripts/run-tests.sh does, from scripts/deps.sh VM_PACKAGES)"
            )
        initrd = os.path.join(self.out, "initramfs.cpio")
        t0 = time.monotonic()
        r = subprocess.run(
            ["bash", os.path.join(SRC, "tests/vm/build-initramfs.sh"), "--out", initrd,
             "--build", self.args.build],
            capture_output=True, text=True,
        )
        if r.returncode == 3:
            raise Skip(r.stderr.strip().replace("build-initramfs.sh: ", ""))
        if r.returncode != 0:
            raise RuntimeError(f"build-initramfs.sh failed:\n{r.stderr.strip()}")
        kernel = r.stdout.strip().splitlines()[-1]
        size = os.path.getsize(initrd) / 1e6
        Tap.note(f"initramfs {size:.0f} MB built in {time.monotonic() - t0:.1f} s; kernel {kernel}")
        return qemu, kernel, initrd

    def qemu_argv(self, qemu, kernel, initrd):
        append = (
            f"console=ttyS0 quiet loglevel=3 panic=-1 vm.scenario={self.args.scenario} "
            "rdinit=/init"
        )
        argv = [
            qemu, "-accel", "tcg", "-cpu", "max", "-smp", str(self.args.smp), "-m", "1024",
            "-nodefaults", "-no-reboot", "-display", "none", "-vga", "none", "-nic", "none",
            "-device", f"virtio-gpu-pci,xres={SCREEN_W},yres={SCREEN_H}",
            "-kernel", kernel, "-initrd", initrd, "-append", append,
            "-chardev", "stdio,id=ser0,signal=off", "-serial", "chardev:ser0",
            "-chardev", f"socket,id=qmp,path={os.path.join(self.qmp_dir, 'qmp.sock')}",
            "-mon", "chardev=qmp,mode=control",
        ]
        for ev in ("virtio_gpu_cmd_res_flush", "virtio_gpu_cmd_set_scanout"):
            argv += ["-trace", f"enable={ev}"]
        return argv

    # ---- the guest's requests ----------------------------------------------------------
    def screen_check(self, tag, expected_fn, what):
        """Polls the screen until it equals the expected picture or the time is up: the guest
        has committed, but QEMU shows a frame only once the device has processed it."""
        expected = expected_fn()
        dump = os.path.join(self.out, f"{tag}.ppm")
        deadline = time.monotonic() + self.args.screen_timeout
        best = None  # (diff, picture) of the closest attempt, for the failure report
        while True:
            actual = self.qemu.screendump(dump)
            diff = vmimage.compare(actual, expected)
            if diff is None:
                best = (None, actual)
                break
            if best is None or diff[0] < best[0][0]:
                best = (diff, actual)
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)  # the guest is still drawing; poll again, bounded by the deadline
        diff, actual = best
        vmimage.write_png(os.path.join(self.out, f"{tag}.png"), actual)
        os.unlink(dump)
        if diff is None:
            self.tap.result(True, f"screen {tag}: {what}")
            return "ok"
        count, box, diff_img = diff
        vmimage.write_png(os.path.join(self.out, f"{tag}-expected.png"), expected)
        if diff_img:
            vmimage.write_png(os.path.join(self.out, f"{tag}-diff.png"), diff_img)
        why = f"{count} pixels differ within {box} (see {self.out}/{tag}*.png)"
        self.tap.result(False, f"screen {tag}: {what}", why)
        return f"fail {why}"

    def expected_hvcon(self, size, opts_b64, text_b64):
        """hvcon --headless of this build, on the host, fed the same bytes: the same renderer
        and font must give the same pixels as hvcon on the guest's kms output."""
        w, h = (int(v) for v in size.split("x"))
        opts = base64.b64decode(opts_b64).decode().split()
        with tempfile.TemporaryDirectory() as tmp:
            text = os.path.join(tmp, "text")
            with open(text, "wb") as f:
                f.write(base64.b64decode(text_b64))
            png = os.path.join(tmp, "expected.png")
            hvcon = os.path.join(self.args.build, "fbcon", "hvcon")
            r = subprocess.run(
                [hvcon, "--headless", "--size", size, "--output", png, *opts, "--", "cat", text],
                capture_output=True, text=True, timeout=60,
            )
            if r.returncode != 0:
                raise RuntimeError(f"hvcon --headless on the host failed: {r.stderr.strip()}")
            img = vmimage.read_png(png)
        if img[:2] != (w, h):
            raise RuntimeError(f"hvcon --headless drew {img[0]}x{img[1]}, not {size}")
        return img

    def expected_hvplay(self, size, gen_b64, play_b64):
        """hvplay --output headless of this build, on the host, on the clip y4mgen makes with the
        same arguments: a still clip must look the same on the guest's kms output."""
        gen = base64.b64decode(gen_b64).decode().split()
        play = base64.b64decode(play_b64).decode().split()
        with tempfile.TemporaryDirectory() as tmp:
            clip, png = os.path.join(tmp, "clip.y4m"), os.path.join(tmp, "expected.png")
            for argv in (
                [os.path.join(self.args.build, "demos", "y4mgen"), *gen, "-o", clip],
                [os.path.join(self.args.build, "demos", "hvplay"), "--fullscreen", "--output",
                 "headless", "--size", size, "--screenshot", png, "-q", *play, clip],
            ):
                r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
                if r.returncode != 0:
                    raise RuntimeError(f"{os.path.basename(argv[0])} on the host failed: "
                                       f"{r.stderr.strip()}")
            return vmimage.read_png(png)

    def trace_window(self, tag, what, args):
        """trace-begin NAME / trace-end NAME: the virtio-gpu flushes QEMU saw in between."""
        name = args[0]
        if what == "trace-begin":
            self.trace_marks[name] = len(self.qemu.trace)
            return "ok"
        events = self.qemu.trace[self.trace_marks.get(name, 0):]
        flushes, scanouts = [], 0
        for _, line in events:
            m = FLUSH_RE.search(line)
            if m:
                flushes.append(tuple(int(v) for v in m.group(2, 3, 4, 5)))
            elif SCANOUT_RE.search(line):
                scanouts += 1
        area = sum(w * h for w, h, _, _ in flushes)
        full = sum(1 for w, h, _, _ in flushes if w * h >= SCREEN_W * SCREEN_H)
        biggest = max((w * h for w, h, _, _ in flushes), default=0)
        sizes = {}
        for w, h, _, _ in flushes:
            sizes[f"{w}x{h}"] = sizes.get(f"{w}x{h}", 0) + 1
        common = ", ".join(f"{k} x{v}" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:6])
        Tap.note(
            f"qemu trace {name}: {len(flushes)} resource flushes, {area} pixels in all, "
            f"largest {biggest}, full-screen {full}, set_scanout {scanouts}; sizes: {common}"
        )
        self.bench += [
            {"key": f"{name}.qemu_flushes", "value": len(flushes), "unit": "flushes"},
            {"key": f"{name}.qemu_flush_pixels", "value": area, "unit": "pixels"},
            {"key": f"{name}.qemu_full_flushes", "value": full, "unit": "flushes"},
        ]
        rects = ";".join(f"{x},{y},{w},{h}" for w, h, x, y in flushes[:64])
        return f"ok flushes={len(flushes)} area={area} full={full} rects={rects}"

    def handle_ask(self, words):
        tag, what, args = words[0], words[1], words[2:]
        try:
            if what == "screen-pattern":
                w, h = (int(v) for v in args[0].split("x"))
                reply = self.screen_check(
                    tag, lambda: vmimage.pattern(w, h, args[1:]), " ".join(args[1:])
                )
            elif what == "screen-hvcon":
                reply = self.screen_check(
                    tag, lambda: self.expected_hvcon(*args[:3]), "same pixels as hvcon --headless"
                )
            elif what == "screen-hvplay":
                reply = self.screen_check(
                    tag, lambda: self.expected_hvplay(*args[:3]), "same pixels as hvplay headless"
                )
            elif what == "screendump":
                img = self.qemu.screendump(os.path.join(self.out, f"{tag}.ppm"))
                vmimage.write_png(os.path.join(self.out, f"{tag}.png"), img)
                os.unlink(os.path.join(self.out, f"{tag}.ppm"))
                reply = "ok"
            elif what in ("trace-begin", "trace-end"):
                reply = self.trace_window(tag, what, args)
            else:
                reply = f"fail unknown request {what}"
        except (RuntimeError, ValueError, OSError, IndexError, subprocess.TimeoutExpired) as e:
            self.tap.result(False, f"host {what} {tag}", str(e))
            reply = f"fail {e}"
        self.qemu.send(f"@@HOST {tag} {reply}")

    def handle(self, line):
        """One "@@VM ..." line; returns the guest's exit status at "done", else None."""
        verb, _, rest = line.partition(" ")
        if verb == "ok":
            self.tap.result(True, rest)
        elif verb == "fail":
            name, _, why = rest.partition(": ")
            self.tap.result(False, name, why or "failed")
        elif verb == "skip":
            name, _, why = rest.partition(": ")
            self.tap.result(True, name, skip=why or "skipped")
        elif verb in ("note", "log"):
            Tap.note(rest if verb == "note" else "guest " + rest)
        elif verb == "bench":
            key, value, unit = (rest.split(" ", 2) + ["", ""])[:3]
            Tap.note(f"bench {key} = {value} {unit}")
            try:
                self.bench.append({"key": key, "value": float(value), "unit": unit})
            except ValueError:
                self.bench.append({"key": key, "value": value, "unit": unit})
        elif verb == "init":
            boot = time.monotonic() - self.qemu.started
            Tap.note(f"boot: /init started {boot:.1f} s after QEMU (guest uptime {rest} s)")
            self.bench.append({"key": "vm.boot_to_init", "value": round(boot, 2), "unit": "s"})
        elif verb == "ready":
            ready = time.monotonic() - self.qemu.started
            Tap.note(f"boot: modules and udev ready {ready:.1f} s after QEMU")
            self.bench.append({"key": "vm.boot_to_ready", "value": round(ready, 2), "unit": "s"})
        elif verb == "ask":
            self.handle_ask(rest.split())
        elif verb == "done":
            return int(rest or 0)
        return None

    # ---- the run -------------------------------------------------------------------------
    def boot(self, argv):
        self.qemu = Qemu(argv, os.path.join(self.qmp_dir, "qmp.sock"),
                         os.path.join(self.out, "serial.log"))
        deadline = self.qemu.started + self.args.timeout
        said_anything = timed_out = False
        status = None
        while status is None:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                self.tap.result(False, f"scenario {self.args.scenario} finishes",
                                f"timed out after {self.args.timeout} s (see {self.out}/serial.log)")
                break
            try:
                line = self.qemu.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if line is None:
                break
            said_anything = True
            pos = line.find("@@VM ")
            if pos >= 0:
                status = self.handle(line[pos + 5:])
        if status is not None:
            self.tap.result(status == 0, f"scenario {self.args.scenario} finishes",
                            f"the scenario exited with {status}")
        elif not timed_out:
            self.qemu.proc.wait(10)
            why = " / ".join(l for l in self.qemu.stderr_tail if l.strip()) or "no message"
            if not said_anything:
                self.qemu.stop(grace=1)
                raise Skip(f"QEMU could not start (exit {self.qemu.proc.returncode}): {why}")
            self.tap.result(False, f"scenario {self.args.scenario} finishes",
                            f"QEMU exited ({self.qemu.proc.returncode}: {why}) before the guest "
                            f"was done; see {self.out}/serial.log")
        self.qemu.stop(grace=20)
        Tap.note(f"whole run {time.monotonic() - self.qemu.started:.1f} s")

    def main(self):
        os.makedirs(self.out, exist_ok=True)
        for stale in os.listdir(self.out):
            if stale.endswith((".png", ".ppm")):
                os.unlink(os.path.join(self.out, stale))
        with tempfile.TemporaryDirectory(prefix="hvd-vm-") as self.qmp_dir:
            try:
                qemu, kernel, initrd = self.prepare()
                self.boot(self.qemu_argv(qemu, kernel, initrd))
                if not self.args.keep:
                    os.unlink(initrd)
            except Skip as e:
                Tap.note(f"SKIP: {e}")
                self.tap.result(True, f"scenario {self.args.scenario}", skip=str(e))
            except RuntimeError as e:
                self.tap.result(False, f"scenario {self.args.scenario}", str(e))
            finally:
                # Whatever went wrong here, no guest outlives the test.
                if self.qemu and self.qemu.proc.poll() is None:
                    self.qemu.proc.kill()
                    self.qemu.proc.wait()
        with open(os.path.join(self.out, "bench.json"), "w") as f:
            json.dump({"scenario": self.args.scenario, "figures": self.bench}, f, indent=1)
        self.tap.finish()
        return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True, help="meson build directory of hvdisplay")
    p.add_argument("--scenario", required=True, help="tests/vm/scenarios/NAME.sh")
    p.add_argument("--out", help="results directory (default BUILD/tests/vm/NAME)")
    p.add_argument("--timeout", type=float, default=400, help="whole run, seconds")
    p.add_argument("--screen-timeout", type=float, default=30, help="each screen check")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--qemu", default="qemu-system-x86_64")
    p.add_argument("--keep", action="store_true", help="keep OUT/initramfs.cpio")
    args = p.parse_args()
    args.build = os.path.abspath(args.build)
    args.out = os.path.abspath(args.out or os.path.join(args.build, "tests", "vm", args.scenario))
    return Run(args).main()


if __name__ == "__main__":
    sys.exit(main())
