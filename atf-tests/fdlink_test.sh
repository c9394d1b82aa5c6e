#!/usr/bin/env atf-sh
# fdlink_test.sh: the magic links (/proc/self/fd/N, /proc/PID/fd/N, /dev/fd/N, /dev/std*, /proc/self/cwd and exe) lead to the file itself as on Linux, within the re-open rule: a re-open never gives more than the descriptor had, never a device node; tar restores modes through them.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# magic_one LIBC: `fdlink-LIBC magic native|vk DIR` prints only
# "magic ok: N checks", natively and then under vkernel -v (every page
# back), each in a fresh directory.
magic_one()
{
	need_guest fdlink-$1
	mo_g="$gdir/fdlink-$1"
	rm -rf "$PWD/n" "$PWD/v"
	mkdir "$PWD/n" "$PWD/v"
	atf_check -s exit:0 -o save:native.out -e empty \
	    timeout 60 "$mo_g" magic native "$PWD/n"
	only_line native.out '^magic ok: [0-9]+ checks$'
	atf_check -s exit:0 -o save:vk.out -e save:vk.err \
	    timeout 120 "$vk" -v -m 64m "$mo_g" magic vk "$PWD/v"
	only_line vk.out '^magic ok: [0-9]+ checks$'
	pages_back vk.err
}

atf_test_case magic__acts_on_file
magic__acts_on_file_head()
{
	atf_set descr "chmod, chown, utimensat, utimes, truncate, access, statfs, stat, statx, readlink, open and linkat AT_SYMLINK_FOLLOW through /proc/self/fd/N of an O_PATH descriptor, of an unlinked file, through /dev/fd/N, /proc/PID/fd/N, /proc/self/cwd and exe act on the file itself; an O_PATH re-opened O_RDONLY or O_RDWR is a file as by name (fchmod, mmap); what glibc's fchmodat(AT_SYMLINK_NOFOLLOW) and lchmod do; a pipe's link: EINVAL to truncate, pipefs (natively first)"
}
magic__acts_on_file_body()
{
	magic_one glibc
	magic_one musl
}

atf_test_case reopen__never_more_access
reopen__never_more_access_head()
{
	atf_set descr "Under vkernel -r only: an O_PATH of a device node inside the root re-opened through /proc/self/fd, /dev/fd or /proc/PID/fd is EACCES; the vkernel's standard input, a read-only file outside the root, re-opened through /dev/stdin, /proc/self/fd/0, /dev/fd/0 or /proc/PPID/fd/0 is EACCES for writing (O_RDONLY is a new open from the start) and EPERM to chmod, chown, truncate, utimes; its standard output, a host pipe, and standard error are EACCES for reading"
	atf_set require.user root
}
reopen__never_more_access_body()
{
	for v in glibc musl; do
		need_guest fdlink-$v
		rm -rf root
		mkdir root
		cp "$gdir/fdlink-$v" root/fdlink
		mknod root/zero c 1 5 || atf_skip "no mknod"
		ln -s fdlink root/ln
		printf 'STDIN\n' >stdin.txt
		chmod 444 stdin.txt
		{ timeout 120 "$vk" -v -m 64m -r root /fdlink reopen \
		    <stdin.txt 2>vk.err; echo $? >status; } | cat >vk.out
		[ "$(cat status)" = 0 ] ||
		    { cat vk.out vk.err; atf_fail "$v: exit $(cat status) (above)"; }
		has_line vk.out "written through /dev/stdout"
		grep -Eq '^reopen ok: [0-9]+ checks$' vk.out ||
		    { cat vk.out; atf_fail "$v: no 'reopen ok' (above)"; }
		[ "$(cat stdin.txt)" = STDIN ] &&
		    [ "$(stat -c %a stdin.txt)" = 444 ] ||
		    atf_fail "standard input changed"
		pages_back vk.err
	done
}

# tree: a directory tree with modes and times tar must restore
# (directories last, read-only and search-only ones among them).
tree()
{
	mkdir -p src/a/b src/ro src/x
	printf 'one\n' >src/a/f1
	printf 'two\n' >src/a/b/f2
	printf 'three\n' >src/ro/f3
	printf '#!/bin/sh\n' >src/x/run
	ln -s ../a/f1 src/x/link
	chmod 640 src/a/f1
	chmod 600 src/a/b/f2
	chmod 444 src/ro/f3
	chmod 755 src/x/run
	chmod 2750 src/a/b
	chmod 700 src/a
	chmod 555 src/ro
	chmod 711 src/x
	touch -h -d '2001-02-03 04:05:06' src/x/link
	touch -d '2002-03-04 05:06:07' src/a/f1 src/a/b/f2 src/ro/f3 \
	    src/x/run
	touch -d '2003-04-05 06:07:08' src/a/b src/a src/ro src/x
	tar -C src -cf tree.tar a ro x
}

# listing DIR: each name's type, mode, owner and mtime, sorted.
listing()
{
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %T@\n' | sort)
}

atf_test_case tar__modes_times
tar__modes_times_head()
{
	atf_set descr "Debian's tar extracts an archive under vkernel -r / with the modes (through fchmodat AT_SYMLINK_NOFOLLOW: /proc/self/fd/N), owners and times it gives natively"
	atf_set require.progs tar
}
tar__modes_times_body()
{
	vk_setup
	tree
	mkdir n v
	atf_check -s exit:0 -o empty -e empty tar -C n -xf tree.tar
	atf_check -s exit:0 -o empty -e save:vk.err \
	    "$vk" -v -r / "$(command -v tar)" -C "$PWD/v" -xf "$PWD/tree.tar"
	listing n >native.list
	listing v >vk.list
	cat vk.list
	atf_check -s exit:0 -o empty diff native.list vk.list
	pages_back vk.err
}

atf_init_test_cases()
{
	atf_add_test_case magic__acts_on_file
	atf_add_test_case reopen__never_more_access
	atf_add_test_case tar__modes_times
}
