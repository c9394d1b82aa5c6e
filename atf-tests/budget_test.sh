#!/usr/bin/env atf-sh
# budget_test.sh: guests that hoard what the vkernel holds for them (processes, pipes, files, /proc snapshots, epoll entries, cached files) are refused with an errno, and the vkernel's resident memory stays under the bound docs/design.md states for -m 16m.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# hoard_check LIBC PATTERN ARGS...: `hoard ARGS` under vkernel -v -m 16m
# prints a line matching PATTERN and exits 0, every page comes back, and
# the vkernel's peak resident size stays under the bound.
hoard_check()
{
	v=$1 pat=$2
	shift 2
	need_guest hoard-$v
	atf_check -s exit:0 -o save:out -e save:err \
	    /usr/bin/time -o time.out -f 'rss %M' \
	    timeout 600 "$vk" -v -m 16m "$gdir/hoard-$v" "$@"
	cat out
	grep -E -- "$pat" out >/dev/null ||
	    atf_fail "hoard $*: no line matching '$pat' in: $(cat out)"
	grep '^vkernel: kernel memory' err
	pages_back err
	rss_check time.out 16
}

atf_test_case pipes__empty
pipes__empty_head()
{
	atf_set "descr" "Pipes with a byte in each, as many as the processes can make: ENFILE or ENOMEM, and the vkernel stays under its bound (before: 64 KiB of vkernel memory each, unbounded)"
}
pipes__empty_body()
{
	for v in glibc musl; do
		hoard_check $v '^hoard pipes: [0-9]+ children .*, [0-9]+ made, last stopped by (ENFILE|ENOMEM|EMFILE)$' pipes 400
	done
}

atf_test_case pipes__full
pipes__full_head()
{
	atf_set "descr" "Pipes filled to 64 KiB each: ENOMEM once the budget is spent, never the host's memory"
}
pipes__full_body()
{
	for v in glibc musl; do
		hoard_check $v '^hoard fullpipes: [0-9]+ children .*, [0-9]+ made, last stopped by (ENFILE|ENOMEM|EMFILE)$' fullpipes 400
	done
}

atf_test_case files__open
files__open_head()
{
	atf_set "descr" "Open files across hundreds of processes: ENFILE at the file limit or ENOMEM, under the bound"
}
files__open_body()
{
	for v in glibc musl; do
		hoard_check $v '^hoard files: [0-9]+ children .*, [0-9]+ made, last stopped by (ENFILE|ENOMEM|EMFILE)$' files 400 /dev/null
	done
}

atf_test_case snapshots__proc
snapshots__proc_head()
{
	atf_set "descr" "/proc snapshots held open: ENOMEM once the budget is spent"
}
snapshots__proc_body()
{
	for v in glibc musl; do
		hoard_check $v '^hoard snaps: [0-9]+ children .*, [0-9]+ made, last stopped by (ENFILE|ENOMEM|EMFILE)$' snaps 400
	done
}

atf_test_case epoll__entries
epoll__entries_head()
{
	atf_set "descr" "epoll entries (one eventfd duplicated into set after set) until refused: ENOMEM at the kernel memory budget, under the bound"
}
epoll__entries_body()
{
	for v in glibc musl; do
		hoard_check $v '^hoard epoll: [0-9]+ children .*, [0-9]+ made, last stopped by (ENFILE|ENOMEM|EMFILE)$' epoll 4
	done
}

atf_test_case procs__blocked
procs__blocked_head()
{
	atf_set "descr" "Processes forked until EAGAIN, each blocked in a 64 KiB pipe read or write: fork stops at the budget, under the bound"
}
procs__blocked_body()
{
	for v in glibc musl; do
		hoard_check $v '^hoard procs: [0-9]+ children, then EAGAIN$' procs
	done
}

atf_test_case cache__files
cache__files_head()
{
	atf_set "descr" "Thousands of files mapped and closed, held only by the page cache: ENFILE at the file limit, under the bound"
}
cache__files_body()
{
	mkdir d
	hoard_check musl '^hoard cache: [0-9]+ files mapped, then (ENFILE|ENOMEM|none)$' cache "$PWD/d" 20000
}

atf_init_test_cases()
{
	atf_add_test_case pipes__empty
	atf_add_test_case pipes__full
	atf_add_test_case files__open
	atf_add_test_case snapshots__proc
	atf_add_test_case epoll__entries
	atf_add_test_case procs__blocked
	atf_add_test_case cache__files
}
