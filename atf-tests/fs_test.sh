#!/usr/bin/env atf-sh
# fs_test.sh: the file system calls behave as on Linux with both libcs (each mode of the files guest runs natively first, then under vkernel -v, which must give every page back), FIFOs wait at open as Linux's do, no host descriptor leaks, and no path leaves the -r root.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# fs_one LIBC MODE: `files-LIBC MODE DIR` prints only "MODE ok: N checks"
# and exits 0, natively and under the vkernel, each in a fresh directory
# (absolute: both see the same files).
fs_one()
{
	need_guest files-$1
	fo_g="$gdir/files-$1"
	rm -rf "$PWD/n" "$PWD/v"
	mkdir "$PWD/n" "$PWD/v"
	atf_check -s exit:0 -o save:native.out -e empty \
	    timeout 60 "$fo_g" "$2" "$PWD/n"
	only_line native.out "^$2 ok: [0-9]+ checks\$"
	atf_check -s exit:0 -o save:vk.out -e save:vk.err \
	    timeout 120 "$vk" -v -m 64m "$fo_g" "$2" "$PWD/v"
	only_line vk.out "^$2 ok: [0-9]+ checks\$"
	pages_back vk.err
}

# fs_case NAME MODE DESCRIPTION: the test case NAME, fs_one MODE with
# glibc and with musl.
fs_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$3'; }"
	eval "$1_body() { fs_one glibc $2; fs_one musl $2; }"
}

fs_case open__flags open \
    "open, openat, creat: O_CREAT/O_EXCL with the umask, O_TRUNC, O_APPEND (and F_SETFL changing it), O_DIRECTORY, O_NOFOLLOW, O_PATH (no I/O), O_CLOEXEC, O_NONBLOCK, O_TMPFILE, FIONREAD, ENOTTY"
fs_case io__vectored_sendfile io \
    "preadv, pwritev, preadv2/pwritev2 (offset -1, no flags), sendfile to a file and a pipe, ftruncate, truncate, fallocate, fadvise, fsync, fdatasync, syncfs, fstat of every kind"
fs_case stat__calls stat \
    "stat, lstat, fstatat (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW), statx, statfs, fstatfs, access, faccessat, faccessat2"
fs_case names__directories_links names \
    "mkdir(at) with the umask, getdents64 and readdir, unlink(at), rmdir, rename(at), renameat2 NOREPLACE/EXCHANGE, link(at), symlink, readlink(at), chmod family, chown family, utimensat/utime/utimes, chdir, fchdir, getcwd"
fs_case errors__hostile errors \
    "ENAMETOOLONG, EFAULT (bad and unterminated paths), ENOENT for empty paths, EBADF, ENOTDIR dirfds, EINVAL flags"
fs_case locks__between_processes locks \
    "fcntl F_SETLK/F_SETLKW/F_GETLK and OFD locks and flock conflict between two processes; a blocking lock waits for the holder and yields EINTR to a signal"

atf_test_case fifo__opens_wait
fifo__opens_wait_head()
{
	atf_set "descr" "mkfifo and mknod make FIFOs whose opens wait for the other end (ENXIO for a non-blocking writer, O_RDWR never waits, EINTR), whose data goes with the last close, natively first, then at -n 1 and -n 2; mknod of a device node is EPERM, of a directory EPERM, of a symlink EINVAL"
}
fifo__opens_wait_body()
{
	for v in glibc musl; do
		need_guest fifo-$v
		rm -rf "$PWD/d" && mkdir "$PWD/d"
		atf_check -s exit:0 -o match:'^fifo ok: [0-9]+ checks$' -e empty \
		    timeout 60 "$gdir/fifo-$v" all "$PWD/d"
		for n in 1 2; do
			atf_check -s exit:0 -o save:vk.out -e save:vk.err \
			    timeout 120 "$vk" -v -n $n -m 64m \
			    "$gdir/fifo-$v" all "$PWD/d"
			only_line vk.out '^fifo ok: [0-9]+ checks$'
			pages_back vk.err
		done
		atf_check -s exit:0 -o match:'^fifo ok: 2 checks$' -e empty \
		    timeout 60 "$vk" -m 64m "$gdir/fifo-$v" chr "$PWD/d"
		[ ! -e "$PWD/d/n" ] || atf_fail "a device node was made"
	done
}

atf_test_case leak__host_descriptors
leak__host_descriptors_head()
{
	atf_set descr "5000 opens and closes of files, directories and O_PATH descriptors, and files a child leaves open when it exits, leave the vkernel with the host descriptors it had"
}
leak__host_descriptors_body()
{
	for v in glibc musl; do
		need_guest files-$v
		rm -rf "$PWD/v" ctl
		mkdir "$PWD/v"
		atf_check -s exit:0 -o match:"^leak done" -e empty \
		    "$gdir/files-$v" leak "$PWD/v" </dev/null
		mkfifo ctl
		"$vk" -v -m 64m "$gdir/files-$v" leak "$PWD/v" <ctl >vk.out \
		    2>vk.err &
		pid=$!
		exec 3>ctl
		wait_line vk.out "leak ready"
		before=$(ls /proc/$pid/fd | wc -l)
		echo >&3
		wait_line vk.out "leak done"
		after=$(ls /proc/$pid/fd | wc -l)
		echo >&3
		exec 3>&-
		wait $pid || atf_fail "vkernel exited $?: $(cat vk.out vk.err)"
		echo "$v: vkernel host descriptors $before before, $after after"
		[ "$before" = "$after" ] ||
		    atf_fail "host descriptors: $before before, $after after"
		grep -q "^leak ok: [0-9]* checks" vk.out ||
		    atf_fail "guest: $(cat vk.out)"
		pages_back vk.err
	done
}

# wait_line FILE TEXT: waits (up to 30 s) until FILE has the line TEXT.
wait_line()
{
	wl_i=0
	while ! grep -qxF "$2" "$1"; do
		wl_i=$((wl_i + 1))
		[ $wl_i -lt 300 ] || atf_fail "no '$2' in $1: $(cat "$1")"
		sleep 0.1
	done
}

# A root with the guest in it and a secret beside it, and the ways out
# the escape mode tries: .. chains, absolute and relative symlinks, a
# loop, magic links.
make_root()
{
	rm -rf root secret
	mkdir -p root/sub
	echo TOPSECRET >secret
	chmod 600 secret
	cp "$gdir/files-$1" root/files
	ln -s "$PWD/secret" root/abs
	ln -s ../../../../../../../../../"$PWD/secret" root/rel
	ln -s ../../../../../secret root/sub/rel2
	ln -s "$PWD" root/absdir
	ln -s ../../../../../../../../.."$PWD" root/reldir
	ln -s /proc/self/root"$PWD/secret" root/magic
	ln -s loop2 root/loop1
	ln -s loop1 root/loop2
}

# The secret and what is beside the root are as they were.
root_intact()
{
	[ "$(cat secret)" = TOPSECRET ] || atf_fail "the secret changed"
	[ "$(stat -c %a secret)" = 600 ] || atf_fail "the secret's mode changed"
	[ ! -e escaped ] || atf_fail "a directory was made outside the root"
}

atf_test_case root__confined
root__confined_head()
{
	atf_set descr "With -r root a guest never reads a secret outside it: .. chains, absolute and relative symlinks, loops (ELOOP), magic links, O_PATH and dirfd-relative .., chdir/fchdir .., links it makes, a directory renamed during lookups; chmod/unlink/rename/mkdir do not reach outside (natively: chroot)"
	atf_set require.user root
}
root__confined_body()
{
	for v in glibc musl; do
		need_guest files-$v
		make_root $v
		atf_check -s exit:0 -o match:"^escape ok: [0-9]+ checks\$" \
		    -e empty timeout 120 chroot root /files escape "$PWD/secret"
		root_intact
		make_root $v
		# The guest's renames cannot interleave with a host walk (one
		# vkernel thread); a host process renaming the same directory
		# can, so one does, all along.
		mkdir -p root/x/a root/y
		rm -f stop
		( while [ ! -e stop ]; do mv root/x/a root/y/a 2>/dev/null
		    mv root/y/a root/x/a 2>/dev/null; done ) &
		rp=$!
		timeout 120 "$vk" -v -m 64m -r root /files escape \
		    "$PWD/secret" >vk.out 2>vk.err
		st=$?
		touch stop
		wait $rp
		[ $st = 0 ] && only_line vk.out "^escape ok: [0-9]+ checks\$" ||
		    atf_fail "exit $st: $(cat vk.out vk.err)"
		pages_back vk.err
		root_intact
	done
}

atf_test_case root__host_procfs_devices
root__host_procfs_devices_head()
{
	atf_set descr "Defence in depth under vkernel only (natively root opens them all): the host procfs mounted inside the root is ENOENT, a device node inside it is EACCES (O_PATH and stat of it still work), /dev/null is specfs's"
	atf_set require.user root
}
root__host_procfs_devices_body()
{
	for v in glibc musl; do
		need_guest files-$v
		make_root $v
		mkdir root/hp
		mount -t proc proc root/hp 2>mount.err ||
		    atf_skip "cannot mount procfs here: $(cat mount.err)"
		ln -s /hp root/hpl
		mknod root/mem c 1 1 || { umount root/hp; atf_skip "no mknod"; }
		ln -s /mem root/memlink
		"$vk" -v -m 64m -r root /files hostfs "$PWD/secret" >vk.out \
		    2>vk.err
		st=$?
		umount root/hp
		[ $st = 0 ] && grep -qx "hostfs ok: [0-9]* checks" vk.out ||
		    atf_fail "exit $st: $(cat vk.out vk.err)"
		pages_back vk.err
	done
}

# Host pseudo file systems a guest must never reach (mqueue and devpts
# hold nothing secret but are no ordinary file systems either).  pstore
# is left out: on old code the guest's unlink would erase a crash record.
PSEUDO_FS="cgroup2 debugfs tracefs mqueue devpts securityfs bpf"

# pfs_mount ROOT: mounts each of PSEUDO_FS that mounts here at
# ROOT/pfs/TYPE, bind-mounts it at ROOT/bind_TYPE and links ROOT/link_TYPE
# to it; sets $pfs_args (the guest's DIR:CHILD arguments: directly,
# through the bind mount, the symlink and "..") and $pfs_umount (what to
# unmount, innermost first).  CHILD is an entry the mount holds (mqueue
# gets a queue made for it; bpf stays empty).
pfs_mount()
{
	pfs_args=""
	pfs_umount=""
	for t in $PSEUDO_FS; do
		mkdir -p "$1/pfs/$t" "$1/bind_$t"
		mount -t $t none "$1/pfs/$t" 2>/dev/null || continue
		mount --bind "$1/pfs/$t" "$1/bind_$t" ||
		    { umount "$1/pfs/$t"; continue; }
		pfs_umount="$1/bind_$t $1/pfs/$t $pfs_umount"
		ln -s /pfs/$t "$1/link_$t"
		[ $t = mqueue ] && touch "$1/pfs/$t/vkq"
		c=$(ls -A "$1/pfs/$t" | head -n 1)
		pfs_args="$pfs_args /pfs/$t:$c /bind_$t:$c /link_$t:$c"
		pfs_args="$pfs_args /sub/../link_$t/../pfs/$t:$c /pfs/$t/.:$c"
	done
}

# pfs_umount: what a guest on old code could have made, and the mounts.
pfs_umount()
{
	for m in $pfs_umount; do
		rmdir "$m/vkprobe" 2>/dev/null
		rm -f "$m/vkprobe" "$m/vkq" 2>/dev/null
	done
	for m in $pfs_umount; do
		umount "$m" || umount -l "$m"
	done
}

atf_test_case root__host_pseudofs
root__host_pseudofs_head()
{
	atf_set descr "Under vkernel only (natively root reaches them): cgroup2, debugfs, tracefs, mqueue, devpts, securityfs, bpf mounted inside the root and reached directly, through a bind mount, a symlink and .. are ENOENT for open, stat, statx, statfs, access, chdir, readlink, mkdir, create, symlink, unlink, rename, chown, utimes (an allow-list of ordinary file systems)"
	atf_set require.user root
}
root__host_pseudofs_body()
{
	for v in glibc musl; do
		need_guest files-$v
		make_root $v
		pfs_mount "$PWD/root"
		[ -n "$pfs_args" ] || atf_skip "no pseudo file system mounts here"
		"$vk" -v -m 64m -r root /files pseudofs /sub $pfs_args >vk.out 2>vk.err
		st=$?
		pfs_umount
		echo "$v: $pfs_args"
		[ $st = 0 ] && grep -qx "pseudofs ok: [0-9]* checks" vk.out ||
		    { cat vk.out vk.err; atf_fail "$v: exit $st (above)"; }
		pages_back vk.err
	done
}

# cgroup_dir: a directory under /sys/fs/cgroup on a cgroup file system
# (/sys/fs/cgroup itself with cgroup2 alone; a hierarchy under it with
# v1, where /sys/fs/cgroup is a tmpfs of mount points), or nothing.
cgroup_dir()
{
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/*; do
		case $(stat -f -c %T "$d" 2>/dev/null) in
		cgroup*) echo "$d"; return ;;
		esac
	done
}

atf_test_case root__host_cgroup_link
root__host_cgroup_link_head()
{
	atf_set descr "With -r / (nothing hidden by the root) a symlink in a temporary directory to the host's cgroup file system under /sys/fs/cgroup (or, where none is mounted there, as in the QEMU guest of the hw half, to cgroup2 mounted by the test) is ENOENT for every call (the host's pids and control files)"
	atf_set has.cleanup true
}
root__host_cgroup_link_body()
{
	cg=$(cgroup_dir)
	if [ -z "$cg" ]; then
		mkdir cgmnt
		mount -t cgroup2 none cgmnt 2>/dev/null || atf_skip \
		    "no cgroup file system under /sys/fs/cgroup, none mountable"
		cg=$PWD/cgmnt
	fi
	ln -s "$cg" "$PWD/cg"
	for v in glibc musl; do
		need_guest files-$v
		"$vk" -v -m 64m -r / "$gdir/files-$v" pseudofs "$PWD" \
		    "$PWD/cg:cgroup.procs" "$PWD/cg/.:cgroup.procs" >vk.out 2>vk.err
		st=$?
		rmdir "$cg/vkprobe" 2>/dev/null
		[ $st = 0 ] && grep -qx "pseudofs ok: [0-9]* checks" vk.out ||
		    { cat vk.out vk.err; atf_fail "$v, $cg: exit $st (above)"; }
		pages_back vk.err
	done
}
root__host_cgroup_link_cleanup()
{
	[ -d cgmnt ] && umount cgmnt 2>/dev/null
	true
}

atf_init_test_cases()
{
	atf_add_test_case open__flags
	atf_add_test_case io__vectored_sendfile
	atf_add_test_case stat__calls
	atf_add_test_case names__directories_links
	atf_add_test_case errors__hostile
	atf_add_test_case locks__between_processes
	atf_add_test_case fifo__opens_wait
	atf_add_test_case leak__host_descriptors
	atf_add_test_case root__confined
	atf_add_test_case root__host_procfs_devices
	atf_add_test_case root__host_pseudofs
	atf_add_test_case root__host_cgroup_link
}
