#!/bin/bash
# hwvm.sh: runs commands, or the Kyua suite, inside a QEMU TCG guest (AMD SVM + NPT) that has a real /dev/kvm.
#
# Usage:
#   tools/hwvm.sh exec [--timeout SECS] -- CMD...   run CMD (sh -c) in the guest, in the caller's cwd
#   tools/hwvm.sh check [--timeout SECS] BUILD_DIR  run the suite with VKERNEL_PAGING=hw -> BUILD_DIR/results-hw.db
#   tools/hwvm.sh probe [--timeout SECS]            show whether /dev/kvm exists and kvm_amd's npt parameter
#
# How it works: this machine has no /dev/kvm, so we boot Debian's own kernel
# under QEMU TCG with `-cpu max` (which emulates AMD SVM with nested paging),
# load kvm-amd in the guest, share the host root read-only over 9p and chroot
# into it. A second, writable 9p share (a fresh temp dir) carries the command
# in and the exit status and output files back. The serial console is only
# kept as a log, shown on failure.
#
# The kernel .deb, vmlinuz and initramfs are cached in /var/cache/vkernel-hwvm
# (keyed by the kernel package name and version), so only the first run downloads.
#
# Environment knobs:
#   HWVM_VERBOSE=1       also show the guest console live (on stderr)
#   HWVM_PASSENV="A B"   names of host variables to export inside the guest
#   HWVM_MEM / HWVM_SMP  guest memory (default 4G) / vCPUs (default 2)
#   HWVM_TCG             QEMU's TCG threading: single (default: one host thread
#                        takes the guest's vCPUs in turn) or multi (one each;
#                        QEMU 7.2's multi-threaded TCG froze the guest at random
#                        under nested KVM, several times, here)
#   HWVM_CACHE           cache dir (default /var/cache/vkernel-hwvm)
#   HWVM_KERNEL_PKG      kernel package to use (default: what linux-image-amd64 depends on)

set -u

CACHE=${HWVM_CACHE:-/var/cache/vkernel-hwvm}
MEM=${HWVM_MEM:-4G}
SMP=${HWVM_SMP:-2}
TCG=${HWVM_TCG:-single}

# Modules to load in the guest, in this order. Any that is missing from the
# package (built in, or renamed) is skipped; dependencies that a module
# declares and that are not listed are added before it automatically.
MODULES="irqbypass ccp kvm kvm-amd virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

# Path, inside the chroot, where the results share is bound.
RES_IN_CHROOT=/tmp/hwvm-results

die() { echo "hwvm: $*" >&2; exit 2; }
log() { echo "hwvm: $*" >&2; }

# ---------------------------------------------------------------- host tools

# ensure_host_packages: installs missing Debian packages (as root), else prints
# the apt-get line and fails.
ensure_host_packages() {
    local pkgs="qemu-system-x86 busybox-static cpio xz-utils zstd gzip" missing="" p
    for p in $pkgs; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        die "missing packages; run: apt-get install -y$missing"
    fi
    log "installing$missing"
    # Try with the current package lists first; `apt-get update` only once, if that fails.
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q$missing >/tmp/hwvm-apt.log 2>&1; then
        apt_update_once
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q$missing >>/tmp/hwvm-apt.log 2>&1 ||
            { tail -n 20 /tmp/hwvm-apt.log >&2; die "apt-get install -y$missing failed"; }
    fi
}

APT_UPDATED=0
apt_update_once() {
    [ "$APT_UPDATED" = 1 ] && return 0
    APT_UPDATED=1
    [ "$(id -u)" = 0 ] || return 0
    log "apt-get update"
    apt-get update -q >/tmp/hwvm-apt-update.log 2>&1 || log "apt-get update failed (see /tmp/hwvm-apt-update.log)"
}

# ---------------------------------------------------------------- kernel + initramfs

# resolve_kernel: sets KPKG and KVER (package name and version) and KDIR (its cache dir).
resolve_kernel() {
    # apt-cache takes ~2 s; reuse the last answer until the package lists change.
    if [ -z "${HWVM_KERNEL_PKG:-}" ] && [ -s "$CACHE/resolved" ] &&
        [ "$CACHE/resolved" -nt /var/lib/apt/lists ]; then
        read -r KPKG KVER <"$CACHE/resolved"
        KDIR=$CACHE/${KPKG}_$(echo "$KVER" | tr ':/' '__')
        [ -f "$KDIR/vmlinuz" ] && return 0
    fi
    resolve_kernel_apt
    [ -z "${HWVM_KERNEL_PKG:-}" ] && echo "$KPKG $KVER" >"$CACHE/resolved"
}

resolve_kernel_apt() {
    KPKG=${HWVM_KERNEL_PKG:-}
    if [ -z "$KPKG" ]; then
        KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    fi
    KVER=""
    [ -n "$KPKG" ] && KVER=$(apt-cache policy "$KPKG" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
    if [ -z "$KPKG" ] || [ -z "$KVER" ] || [ "$KVER" = "(none)" ]; then
        # No usable package lists: fall back to the newest kernel already cached.
        KDIR=$(ls -dt "$CACHE"/linux-image-*/ 2>/dev/null | while read -r d; do
            [ -f "$d/vmlinuz" ] && { echo "${d%/}"; break; }; done)
        if [ -z "$KDIR" ]; then
            apt_update_once
            KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
                awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
            [ -n "$KPKG" ] || die "cannot resolve the linux-image-amd64 kernel package"
            KVER=$(apt-cache policy "$KPKG" | awk '/Candidate:/ {print $2; exit}')
        else
            KPKG=$(basename "$KDIR"); KVER=${KPKG#*_}; KPKG=${KPKG%%_*}
            return 0
        fi
    fi
    KDIR=$CACHE/${KPKG}_$(echo "$KVER" | tr ':/' '__')
}

# fetch_kernel: downloads the kernel package into $KDIR (once) and extracts
# $KDIR/vmlinuz. The .deb is kept so the initramfs can be rebuilt offline.
fetch_kernel() {
    [ -f "$KDIR/vmlinuz" ] && ls "$KDIR"/*.deb >/dev/null 2>&1 && return 0
    local tmp deb kimg
    mkdir -p "$KDIR" || die "cannot create $KDIR"
    tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX")
    log "downloading $KPKG $KVER (first run only)"
    if ! (cd "$tmp" && apt-get download "$KPKG=$KVER" >"$tmp/download.log" 2>&1); then
        apt_update_once
        (cd "$tmp" && apt-get download "$KPKG" >"$tmp/download.log" 2>&1) ||
            { cat "$tmp/download.log" >&2; rm -rf "$tmp"; die "apt-get download $KPKG failed"; }
    fi
    deb=$(ls "$tmp"/*.deb | head -n 1)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
        { rm -rf "$tmp"; die "cannot extract vmlinuz from $deb"; }
    kimg=$(ls "$tmp"/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [ -n "$kimg" ] || { rm -rf "$tmp"; die "no vmlinuz in $deb"; }
    rm -f "$KDIR"/*.deb
    mv "$deb" "$KDIR/" && mv "$kimg" "$KDIR/vmlinuz" || { rm -rf "$tmp"; die "cannot fill $KDIR"; }
    rm -rf "$tmp"
}

# index_modules ROOT: lists "name path" of every module under the unpacked package ROOT
# into $MODLIST (.ko, .ko.xz, .ko.zst, .ko.gz).
index_modules() {
    find "$1/lib/modules" "$1/usr/lib/modules" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) 2>/dev/null |
    while read -r f; do
        n=$(basename "$f"); n=${n%.xz}; n=${n%.zst}; n=${n%.gz}; n=${n%.ko}
        echo "$(echo "$n" | tr '-' '_') $f"
    done >"$MODLIST"
}

# ko_path NAME: prints the module file for NAME (- and _ are interchangeable).
ko_path() {
    awk -v n="$(echo "$1" | tr '-' '_')" '$1 == n { print $2; exit }' "$MODLIST"
}

# ko_decompress SRC DST: copies a module, decompressing .xz/.zst/.gz.
ko_decompress() {
    case $1 in
    *.xz) xz -dc "$1" >"$2" ;;
    *.zst) zstd -qdc "$1" >"$2" ;;
    *.gz) gzip -dc "$1" >"$2" ;;
    *) cp "$1" "$2" ;;
    esac
}

# ko_depends FILE: prints the module names FILE declares in its .modinfo depends=.
ko_depends() {
    tr '\0' '\n' <"$1" | grep -a '^depends=' | head -n 1 | sed 's/^depends=//' | tr ',' ' '
}

# add_module NAME DIR: puts NAME (after its dependencies) into DIR and appends it to DIR/order.
add_module() {
    local name=$1 dir=$2 src base d
    src=$(ko_path "$name")
    [ -n "$src" ] || { echo "$name" >>"$dir/missing"; return 0; }
    base=$(basename "$src"); base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
    [ -f "$dir/$base" ] && return 0
    ko_decompress "$src" "$dir/$base.tmp" || return 1
    for d in $(ko_depends "$dir/$base.tmp"); do
        add_module "$d" "$dir"
    done
    mv "$dir/$base.tmp" "$dir/$base"
    echo "$base" >>"$dir/order"
}

# The guest's /init. Placeholders: none; everything dynamic comes through the
# results share (/results/cmd.sh, /results/status, /results/init.log).
init_script() {
    cat <<'EOF'
#!/bin/sh
# /init of the hwvm initramfs: load kvm-amd + 9p, mount the host root, chroot, run /results/cmd.sh.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /host /results

# Load modules in order; a module that is already built in or loaded is fine.
for m in $(cat /modules/order); do
    insmod /modules/$m 2>/tmp/insmod.err || echo "insmod $m: $(cat /tmp/insmod.err)" >>/tmp/init.log
done

fail() { echo "hwvm-init: $*"; echo "hwvm-init: $*" >>/tmp/init.log; cat /tmp/init.log; sync; poweroff -f; }

# 9p shares: host root (read-only) and the results dir (writable).
o="trans=virtio,version=9p2000.L,msize=262144"
mount -t 9p -o $o,rw,cache=none results /results || fail "cannot mount results share"
cat /tmp/init.log >>/results/init.log 2>/dev/null
exec 3>>/results/init.log
mount -t 9p -o $o,ro,cache=loose hostroot /host || mount -t 9p -o $o,ro hostroot /host ||
    { echo "cannot mount host root" >&3; echo 70 >/results/status; sync; poweroff -f; }

# Writable scratch over the read-only host root. /tmp is an overlay of the
# host's /tmp (so host files in /tmp stay visible) with a tmpfs on top; plain
# tmpfs if overlayfs is unavailable.
mkdir -p /scratch && mount -t tmpfs -o mode=755 scratch /scratch
mkdir -p /scratch/tmp-up /scratch/tmp-work
if ! mount -t overlay -o lowerdir=/host/tmp,upperdir=/scratch/tmp-up,workdir=/scratch/tmp-work overlay /host/tmp 2>&3; then
    echo "overlay on /tmp failed; plain tmpfs (host /tmp hidden)" >&3
    mount -t tmpfs -o mode=1777 tmp /host/tmp
fi
chmod 1777 /host/tmp
for d in /host/var/tmp /host/root /host/run; do
    mount -t tmpfs -o mode=755 tmpfs $d || echo "tmpfs on $d failed" >&3
done
chmod 1777 /host/var/tmp
mount -o bind /dev /host/dev
mount -t devpts -o newinstance,ptmxmode=666 devpts /host/dev/pts 2>&3 || mount -t devpts devpts /host/dev/pts 2>&3
mount -t tmpfs -o mode=1777 shm /host/dev/shm 2>&3
mount -o bind /proc /host/proc
mount -o bind /sys /host/sys
mkdir -p /host/tmp/hwvm-results
mount -o bind /results /host/tmp/hwvm-results

# Diagnostics for `probe` (and for the log).
{
    if [ -c /dev/kvm ]; then echo "kvm=yes"; else echo "kvm=no"; fi
    echo "npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo none)"
    echo "nested=$(cat /sys/module/kvm_amd/parameters/nested 2>/dev/null || echo none)"
    echo "kernel=$(uname -r)"
    echo "svm=$(grep -c -w svm /proc/cpuinfo)"
    echo "cpus=$(grep -c '^processor' /proc/cpuinfo)"
} >/results/probe

# Loopback up, as on any machine (the network tests compare a guest's
# own loopback with the host's).
ip link set lo up 2>&3 || echo "lo up failed" >&3

# Run the command; its own exit status goes to /results/status.
chroot /host /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb VKERNEL_HW_VM=1 /bin/sh /tmp/hwvm-results/cmd.sh \
    >/results/stdout 2>/results/stderr </dev/null
echo $? >/results/status.tmp
mv /results/status.tmp /results/status
exec 3>&-
sync
umount /host/tmp/hwvm-results /results 2>/dev/null
sync
poweroff -f
EOF
}

# build_initramfs: sets INITRD to the cached initramfs (built once per kernel
# and per init script / module list).
build_initramfs() {
    local key tmp busybox
    key=$( { init_script; echo "$MODULES"; } | sha1sum | cut -c1-12)
    INITRD=$KDIR/initrd-$key.img
    [ -f "$INITRD" ] && return 0
    busybox=/bin/busybox
    [ -x "$busybox" ] || die "no $busybox (busybox-static)"
    # busybox must be static: the initramfs has no libc.
    if readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
        die "$busybox is not static; apt-get install -y busybox-static"
    fi
    tmp=$(mktemp -d "$CACHE/.initrd.XXXXXX")
    log "building the initramfs (first run only)"
    dpkg-deb -x "$(ls "$KDIR"/*.deb | head -n 1)" "$tmp/pkg" || { rm -rf "$tmp"; die "dpkg-deb -x failed"; }
    MODLIST=$tmp/modules.list
    index_modules "$tmp/pkg"
    [ -s "$MODLIST" ] || { rm -rf "$tmp"; die "no kernel modules in the package"; }
    mkdir -p "$tmp/root/bin" "$tmp/root/modules" "$tmp/root/proc" "$tmp/root/sys" \
        "$tmp/root/dev" "$tmp/root/tmp" "$tmp/root/host" "$tmp/root/results"
    cp "$busybox" "$tmp/root/bin/busybox"
    ln -s busybox "$tmp/root/bin/sh"
    init_script >"$tmp/root/init"
    chmod 755 "$tmp/root/init"
    : >"$tmp/root/modules/order"
    local m
    for m in $MODULES; do
        add_module "$m" "$tmp/root/modules" || { rm -rf "$tmp"; die "cannot add module $m"; }
    done
    [ -s "$tmp/root/modules/missing" ] &&
        log "modules not in the package (assumed built in): $(tr '\n' ' ' <"$tmp/root/modules/missing")"
    (cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.img" ||
        { rm -rf "$tmp"; die "cpio failed"; }
    mv "$tmp/initrd.img" "$INITRD"
    rm -rf "$tmp"
}

# ---------------------------------------------------------------- running the VM

QPID=""
RUNDIR=""
cleanup() {
    if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
        kill -TERM "$QPID" 2>/dev/null
        sleep 0.5
        kill -KILL "$QPID" 2>/dev/null
        wait "$QPID" 2>/dev/null
    fi
    [ -n "${TAILPID:-}" ] && kill "$TAILPID" 2>/dev/null
    [ -n "$RUNDIR" ] && rm -rf "$RUNDIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# sh_quote WORD: prints WORD single-quoted for sh.
sh_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# prepare: installs tools, fetches the kernel, builds the initramfs, makes the run dir.
prepare() {
    ensure_host_packages
    mkdir -p "$CACHE" || die "cannot create $CACHE"
    exec 9>"$CACHE/.lock" || die "cannot write $CACHE/.lock (run as root)"
    flock 9                                # one builder at a time
    resolve_kernel
    fetch_kernel
    build_initramfs
    exec 9>&-                             # unlock; QEMU need not inherit it
    RUNDIR=$(mktemp -d /tmp/hwvm.XXXXXX)
    mkdir -p "$RUNDIR/results"
    chmod 777 "$RUNDIR/results"
}

# write_cmd CWD CMDSTRING: the script the guest runs inside the chroot.
write_cmd() {
    local v
    {
        echo "# generated by hwvm.sh"
        for v in ${HWVM_PASSENV:-}; do
            [ -n "${!v+x}" ] && echo "export $v=$(sh_quote "${!v}")"
        done
        echo "cd $(sh_quote "$1") || exit 125"
        echo "exec sh -c $(sh_quote "$2")"
    } >"$RUNDIR/results/cmd.sh"
}

# run_vm TIMEOUT: boots the VM and waits for it; sets VM_RC (0 ok, 124 timeout, else QEMU's).
run_vm() {
    local timeout=$1 start deadline
    BOOT_START=$(date +%s.%N)
    qemu-system-x86_64 -accel tcg,thread="$TCG" -cpu max -smp "$SMP" -m "$MEM" \
        -nographic -no-reboot -nic none \
        -kernel "$KDIR/vmlinuz" -initrd "$INITRD" \
        -append "console=ttyS0 panic=-1 quiet" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs local,path="$RUNDIR/results",mount_tag=results,security_model=none,multidevs=remap \
        </dev/null >"$RUNDIR/console.log" 2>&1 &
    QPID=$!
    if [ "${HWVM_VERBOSE:-0}" = 1 ]; then
        tail -n +1 -f "$RUNDIR/console.log" >&2 &
        TAILPID=$!
    fi
    start=$(date +%s)
    deadline=$((start + timeout))
    while kill -0 "$QPID" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "timeout after ${timeout}s; killing QEMU"
            kill -TERM "$QPID" 2>/dev/null; sleep 1; kill -KILL "$QPID" 2>/dev/null
            wait "$QPID" 2>/dev/null
            QPID=""
            VM_RC=124
            return
        fi
        sleep 0.2
    done
    wait "$QPID"; VM_RC=$?
    QPID=""
    VM_SECS=$(awk -v a="$BOOT_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
}

# show_failure REASON: prints the reason plus the console and init logs.
show_failure() {
    echo "hwvm: $1" >&2
    echo "----- guest console (last 60 lines) -----" >&2
    tail -n 60 "$RUNDIR/console.log" >&2
    if [ -s "$RUNDIR/results/init.log" ]; then
        echo "----- guest init.log -----" >&2
        cat "$RUNDIR/results/init.log" >&2
    fi
    echo "-----" >&2
}

# ---------------------------------------------------------------- commands

parse_timeout() {
    TIMEOUT=$1; shift
    ARGS=()
    while [ $# -gt 0 ]; do
        case $1 in
        --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; TIMEOUT=$2; shift 2 ;;
        --timeout=*) TIMEOUT=${1#--timeout=}; shift ;;
        --) shift; ARGS+=("$@"); break ;;
        *) ARGS+=("$1"); shift ;;
        esac
    done
    case $TIMEOUT in '' | *[!0-9]*) die "bad --timeout '$TIMEOUT'" ;; esac
}

cmd_exec() {
    parse_timeout 600 "$@"
    [ ${#ARGS[@]} -gt 0 ] || die "usage: hwvm.sh exec [--timeout SECS] -- CMD..."
    local cmd a
    if [ ${#ARGS[@]} -eq 1 ]; then
        cmd=${ARGS[0]}                     # one word: a shell command line
    else
        cmd=""; for a in "${ARGS[@]}"; do cmd="$cmd $(sh_quote "$a")"; done
    fi
    prepare
    write_cmd "$PWD" "$cmd"
    run_vm "$TIMEOUT"
    [ -f "$RUNDIR/results/stdout" ] && cat "$RUNDIR/results/stdout"
    [ -f "$RUNDIR/results/stderr" ] && cat "$RUNDIR/results/stderr" >&2
    if [ "$VM_RC" = 124 ]; then
        show_failure "VM timed out after ${TIMEOUT}s"; exit 124
    fi
    if [ ! -s "$RUNDIR/results/status" ]; then
        show_failure "the VM did not report an exit status (QEMU exit $VM_RC)"; exit 125
    fi
    exit "$(cat "$RUNDIR/results/status")"
}

cmd_probe() {
    parse_timeout 300 "$@"
    prepare
    write_cmd / "true"
    run_vm "$TIMEOUT"
    if [ ! -s "$RUNDIR/results/probe" ]; then
        show_failure "the VM did not report (QEMU exit $VM_RC)"; exit 1
    fi
    echo "kernel package: $KPKG $KVER"
    cat "$RUNDIR/results/probe"
    echo "vm_seconds=$VM_SECS (boot + probe + poweroff)"
    [ -s "$RUNDIR/results/init.log" ] && { echo "init.log:"; cat "$RUNDIR/results/init.log"; }
    grep -q '^kvm=yes' "$RUNDIR/results/probe"
}

cmd_check() {
    parse_timeout 1800 "$@"
    [ ${#ARGS[@]} -eq 1 ] || die "usage: hwvm.sh check [--timeout SECS] BUILD_DIR"
    local build
    build=$(cd "${ARGS[0]}" 2>/dev/null && pwd) || die "no build dir ${ARGS[0]}"
    [ -f "$build/tests/vkernel/Kyuafile" ] || die "no $build/tests/vkernel/Kyuafile"
    prepare
    write_cmd "$build/tests/vkernel" \
        "VKERNEL_PAGING=hw kyua test --results-file=$RES_IN_CHROOT/hw.db"
    run_vm "$TIMEOUT"
    if [ -s "$RUNDIR/results/stdout" ]; then
        cp "$RUNDIR/results/stdout" "$build/kyua-test-hw.log"
        cat "$RUNDIR/results/stdout"
    fi
    [ -s "$RUNDIR/results/stderr" ] && cat "$RUNDIR/results/stderr" >&2
    if [ "$VM_RC" = 124 ]; then
        show_failure "VM timed out after ${TIMEOUT}s"; exit 124
    fi
    if [ ! -s "$RUNDIR/results/hw.db" ]; then
        show_failure "the VM did not produce hw.db (status $(cat "$RUNDIR/results/status" 2>/dev/null || echo none), QEMU exit $VM_RC)"
        exit 1
    fi
    cp "$RUNDIR/results/hw.db" "$build/results-hw.db" || die "cannot write $build/results-hw.db"
    echo "hwvm: the guest had $(sed -n 's/^cpus=//p' "$RUNDIR/results/probe" 2>/dev/null) vCPUs (-smp $SMP, TCG thread=$TCG)"
    echo "hwvm: kyua exit status $(cat "$RUNDIR/results/status" 2>/dev/null); results in $build/results-hw.db (VM ${VM_SECS}s)"
    exit 0
}

case ${1:-} in
exec) shift; cmd_exec "$@" ;;
check) shift; cmd_check "$@" ;;
probe) shift; cmd_probe "$@" ;;
*) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
