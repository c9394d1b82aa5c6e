#!/usr/bin/env atf-sh
# inotify_test.sh: inotify behaves as on Linux (the inotify guest is checked natively first) through one host inotify of the vkernel's, sees host changes beneath the root, never watches outside it, and is bounded per vkernel.

. "$(atf_get_srcdir)/vk_common.sh"

atf_test_case inotify__events
inotify__events_head()
{
	atf_set descr "inotify_init1 (IN_CLOEXEC, IN_NONBLOCK, EINVAL), watches on a directory and a file (the same wd for the same inode, IN_MASK_CREATE EEXIST, IN_ONESHOT, IN_ONLYDIR ENOTDIR, ENOENT, EFAULT, EBADF, EINVAL), IN_CREATE, IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_FROM/TO with one cookie, IN_ATTRIB, IN_DELETE, IN_ISDIR, IN_DELETE_SELF and IN_IGNORED, FIONREAD, EINVAL for a short buffer, two instances on one directory, a blocking read woken by another process, epoll, inotify_rm_watch: natively first, then under vkernel (both libcs, -n 2)"
}
inotify__events_body()
{
	for v in glibc musl; do
		need_guest inotify-$v
		rm -rf n v && mkdir n v
		timeout 60 "$gdir/inotify-$v" inotify "$PWD/n" >native.out 2>&1 ||
		    atf_fail "natively: $(cat native.out)"
		grep -Eq "^inotify ok: [0-9]+ checks$" native.out ||
		    atf_fail "natively: $(cat native.out)"
		atf_check -s exit:0 -o file:native.out -e empty \
		    env GLIBC_TUNABLES=glibc.malloc.perturb=165 \
		    timeout 60 "$vk" -m 64m "$gdir/inotify-$v" inotify "$PWD/v"
		atf_check -s exit:0 -o file:native.out -e empty \
		    timeout 60 "$vk" -n 2 -m 64m "$gdir/inotify-$v" inotify \
		    "$PWD/v"
	done
}

# host_change ROOTDIR GUESTDIR [VKERNEL OPTIONS]: the guest watches
# GUESTDIR (which is ROOTDIR on the host) and makes ready there; a host
# process then makes hostfile, which the guest must hear of.
host_change()
{
	rd=$1 gd=$2
	shift 2
	rm -f "$rd/ready" "$rd/hostfile"
	timeout 30 "$vk" -m 64m "$@" host "$gd" >guest.out 2>&1 &
	pid=$!
	i=0
	while [ ! -e "$rd/ready" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$rd/ready" ] || atf_fail "the guest never got ready: $(cat guest.out)"
	touch "$rd/hostfile"
	wait $pid || atf_fail "the guest failed: $(cat guest.out)"
	grep -qx "host ok: 3 checks" guest.out || atf_fail "$(cat guest.out)"
}

atf_test_case inotify__host_changes
inotify__host_changes_head()
{
	atf_set descr "A file a host process makes beneath the root is an event of the guest watching its directory, with the child name; with -r, a watch on / and on /../.. is the root itself"
}
inotify__host_changes_body()
{
	need_guest inotify-glibc
	mkdir d
	host_change "$PWD/d" "$PWD/d" "$gdir/inotify-glibc"
	mkdir root
	cp "$gdir/inotify-musl" root/ino
	host_change "$PWD/root" / -r "$PWD/root" /ino
	host_change "$PWD/root" /../.. -r "$PWD/root" /ino
}

atf_test_case inotify__bound
inotify__bound_head()
{
	atf_set descr "At most 8192 watches (ENOSPC) and 128 instances (EMFILE) per vkernel, and room again once closed (under vkernel only: the host has its own limits)"
}
inotify__bound_body()
{
	for v in glibc musl; do
		need_guest inotify-$v
		rm -rf d && mkdir d
		atf_check -s exit:0 -o inline:"bound ok: 3 checks\n" -e empty \
		    timeout 120 "$vk" -m 16m "$gdir/inotify-$v" bound "$PWD/d"
	done
}

atf_init_test_cases()
{
	atf_add_test_case inotify__events
	atf_add_test_case inotify__host_changes
	atf_add_test_case inotify__bound
}
