#!/bin/bash
# Installs what is missing (Debian 12, as root), builds hvdisplay three ways and runs every test:
#   build/gcc        gcc, warnings as errors: the whole test suite
#   build/asan       gcc with ASan and UBSan, warnings as errors: the whole test suite again
#   build/clang      clang, warnings as errors, libFuzzer targets: each fuzzer runs briefly
# plus a clang-format check. The last line counts test cases: "N passed, N failed".
# A case counts as passed only if it passed in every build that ran it.
set -u
cd "$(dirname "$0")/.."
. scripts/deps.sh
install_missing $BUILD_PACKAGES $TEST_PACKAGES || exit 1
# Without them the vm suite skips, saying what is missing: no reason to stop here.
install_missing $VM_PACKAGES || echo "warning: VM packages not installed: the vm suite will skip"

FUZZ_SECONDS=${FUZZ_SECONDS:-10}
extra=build/extra-results.tap
mkdir -p build
: > "$extra"
result()
{ # result ok|fail NAME: one case outside meson test
    echo "$1 $2" >> "$extra"
    echo "== $1: $2"
}

setup()
{ # setup DIR CC OPTIONS...
    local dir=$1 compiler=$2
    shift 2
    if [ ! -f "$dir/build.ninja" ]; then
        CC=$compiler meson setup "$dir" --werror "$@" >"$dir.setup.log" 2>&1 ||
            { cat "$dir.setup.log"; return 1; }
    fi
    ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; return 1; }
}

run_suite()
{ # run_suite DIR: the whole meson test suite of one build
    meson test -C "$1" --num-processes 2 --print-errorlogs >"$1.test.log" 2>&1
    grep -E '^ *[0-9]+/[0-9]+ ' "$1.test.log" | sed "s|^|[$1] |"
}

if setup build/gcc gcc; then
    result ok build-gcc-werror
    run_suite build/gcc
else
    result fail build-gcc-werror
fi

if [ -f build/gcc/build.ninja ]; then
    # The vm suite (QEMU, TCG): not in the default run, one guest at a time, its own log.
    meson test -C build/gcc --suite vm --num-processes 1 --logbase vmlog --print-errorlogs \
        >build/gcc.vm.log 2>&1
    grep -E '^ *[0-9]+/[0-9]+ ' build/gcc.vm.log | sed 's|^|[build/gcc vm] |'
fi

if setup build/asan gcc -Db_sanitize=address,undefined -Db_lundef=false; then
    result ok build-asan-ubsan
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        run_suite build/asan
else
    result fail build-asan-ubsan
fi

if setup build/clang clang -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false; then
    result ok build-clang-werror
    for f in build/clang/fuzz/fuzz_*; do
        [ -f "$f" ] && [ -x "$f" ] || continue # not the fuzz_*.p object directories
        name=${f##*/fuzz_}
        work=build/fuzz-work/$name
        rm -rf "$work" && mkdir -p "$work"
        if "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 "$work" "fuzz/corpus/$name" \
            >"build/fuzz-$name.log" 2>&1; then
            result ok "fuzz-$name-${FUZZ_SECONDS}s"
        else
            tail -30 "build/fuzz-$name.log"
            result fail "fuzz-$name-${FUZZ_SECONDS}s"
        fi
    done
else
    result fail build-clang-werror
fi

unformatted=$(git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run --Werror 2>&1 | grep -c 'error:')
if [ "$unformatted" -eq 0 ]; then
    result ok clang-format
else
    git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run --Werror 2>&1 | grep 'error:' | head
    result fail clang-format
fi

if python3 scripts/code-map.py --check; then
    result ok code-map-current
else
    echo "CODE-MAP.md is stale: run scripts/code-map.py"
    result fail code-map-current
fi

exec python3 scripts/tap-summary.py "$extra" build/gcc build/asan build/gcc/meson-logs/vmlog.json
