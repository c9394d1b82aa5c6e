#!/usr/bin/env atf-sh
# fs_test.sh: the file system calls behave as on Linux with both libcs (each mode of the files guest runs natively first, then under vkernel -v, which must give every page back), no host descriptor leaks, and no path leaves the -r root.

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

atf_init_test_cases()
{
	atf_add_test_case open__flags
	atf_add_test_case io__vectored_sendfile
	atf_add_test_case stat__calls
	atf_add_test_case names__directories_links
	atf_add_test_case errors__hostile
	atf_add_test_case locks__between_processes
	atf_add_test_case leak__host_descriptors
	atf_add_test_case root__confined
	atf_add_test_case root__host_procfs_devices
}
