#!/usr/bin/env atf-sh
# fdlink_test.sh: the magic links (/proc/self/fd/N, /proc/PID/fd/N, /dev/fd/N, /dev/std*) under the re-open rule: a re-open never gives more than the descriptor had, never a device node.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

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

atf_init_test_cases()
{
	atf_add_test_case reopen__never_more_access
}
