#!/usr/bin/env atf-sh
# run_test.sh: runs the guest programs (glibc and musl builds) under vkernel and checks what they see.

. "$(atf_get_srcdir)/vk_common.sh"

atf_test_case hello__glibc
hello__glibc_head()
{
	atf_set "descr" "The glibc hello guest prints its greeting and its arguments"
}
hello__glibc_body()
{
	need_guest hello-glibc
	atf_check -s exit:0 \
	    -o inline:"hello from the guest\nfrom the vkernel demo\n" \
	    "$vk" -m 256m "$gdir/hello-glibc" "from the vkernel demo"
}

atf_test_case hello__musl
hello__musl_head()
{
	atf_set "descr" "The musl hello guest prints its greeting and its arguments"
}
hello__musl_body()
{
	need_guest hello-musl
	atf_check -s exit:0 \
	    -o inline:"hello from the guest\nfrom the vkernel demo\n" \
	    "$vk" -m 256m "$gdir/hello-musl" "from the vkernel demo"
}

atf_test_case hello__static_pie
hello__static_pie_head()
{
	atf_set "descr" "A static-pie guest (ET_DYN without interpreter) loads and runs"
}
hello__static_pie_body()
{
	need_guest hello-pie
	atf_check -s exit:0 -o inline:"hello from the guest\npie\n" \
	    "$vk" -m 256m "$gdir/hello-pie" pie
}

atf_test_case exit__status
exit__status_head()
{
	atf_set "descr" "The guest's exit status (return from main and _exit) is vkernel's"
}
exit__status_body()
{
	for v in glibc musl; do
		need_guest exitcode-$v
		for st in 0 1 3 42 200 255; do
			atf_check -s exit:$st -o match:"exiting with $st" \
			    "$vk" -m 256m "$gdir/exitcode-$v" $st
			atf_check -s exit:$st -o match:"exiting via _exit" \
			    "$vk" -m 256m "$gdir/exitcode-$v" $st _exit
		done
		# Only the low 8 bits of the status survive, as on Linux.
		atf_check -s exit:1 -o ignore "$vk" -m 256m "$gdir/exitcode-$v" 257
		atf_check -s exit:0 -o ignore "$vk" -m 256m "$gdir/exitcode-$v" 256 _exit
	done
}

atf_test_case argv__passed
argv__passed_head()
{
	atf_set "descr" "Guest arguments arrive intact, including empty ones and spaces"
}
argv__passed_body()
{
	for v in glibc musl; do
		need_guest args-$v
		atf_check -s exit:0 -o save:out-$v \
		    "$vk" -m 256m "$gdir/args-$v" argv "two words" "" -x --long=1 "tab	in"
		atf_check -o inline:"argc=7\nargv[1]=argv\nargv[2]=two words\nargv[3]=\nargv[4]=-x\nargv[5]=--long=1\nargv[6]=tab	in\n" \
		    sed '/^argv\[0\]=/d' out-$v
		atf_check -o match:"^argv\[0\]=.*args-$v\$" cat out-$v
	done
}

atf_test_case env__e_option
env__e_option_head()
{
	atf_set "descr" "-e NAME=VALUE:NAME=VALUE puts variables in the guest's environment"
}
env__e_option_body()
{
	for v in glibc musl; do
		need_guest args-$v
		atf_check -s exit:0 -o inline:"bar\n" \
		    "$vk" -m 256m -e FOO=bar:BAZ=qux "$gdir/args-$v" env FOO
		atf_check -s exit:0 -o inline:"qux\n" \
		    "$vk" -m 256m -e FOO=bar:BAZ=qux "$gdir/args-$v" env BAZ
		atf_check -s exit:0 -o inline:"(unset)\n" \
		    "$vk" -m 256m -e FOO=bar "$gdir/args-$v" env VK_SURELY_UNSET_VAR
	done
}

atf_test_case auxv__glibc
auxv__glibc_head()
{
	atf_set "descr" "The glibc guest finds a sane auxiliary vector"
}
auxv__glibc_body()
{
	need_guest args-glibc
	atf_check -s exit:0 -o match:"^auxv ok\$" -o not-match:FAIL \
	    "$vk" -m 256m "$gdir/args-glibc" auxv
}

atf_test_case auxv__musl
auxv__musl_head()
{
	atf_set "descr" "The musl guest finds a sane auxiliary vector"
}
auxv__musl_body()
{
	need_guest args-musl
	atf_check -s exit:0 -o match:"^auxv ok\$" -o not-match:FAIL \
	    "$vk" -m 256m "$gdir/args-musl" auxv
}

atf_test_case brk__grow_shrink
brk__grow_shrink_head()
{
	atf_set "descr" "brk grows and shrinks the heap; regrown memory reads zero"
}
brk__grow_shrink_body()
{
	for v in glibc musl; do
		need_guest brk-$v
		atf_check -s exit:0 -o match:"^brk ok\$" -o not-match:FAIL \
		    "$vk" -m 256m "$gdir/brk-$v"
	done
}

atf_test_case mmap__semantics
mmap__semantics_head()
{
	atf_set "descr" "Anonymous mmap, munmap, mprotect and MAP_FIXED behave as on Linux"
}
mmap__semantics_body()
{
	for v in glibc musl; do
		need_guest mmap-$v
		atf_check -s exit:0 -o match:"^mmap ok\$" -o not-match:FAIL \
		    "$vk" -m 256m "$gdir/mmap-$v"
	done
}

atf_test_case mmap__map_32bit
mmap__map_32bit_head()
{
	atf_set "descr" "MAP_32BIT without MAP_FIXED lands in [1 GiB, 2 GiB) as on Linux x86-64 (ENOMEM past 1 GiB); with MAP_FIXED it is ignored"
}
mmap__map_32bit_body()
{
	for v in glibc musl; do
		need_guest hostinfo-$v
		atf_check -s exit:0 -o inline:"map32 ok\n" \
		    "$vk" -m 256m "$gdir/hostinfo-$v" map32
	done
}

atf_test_case bigmap__metadata_bounded
bigmap__metadata_bounded_head()
{
	atf_set "descr" "Six 64 GiB MAP_NORESERVE mappings under -m 16m with a few pages touched: vkernel's peak RSS and VM metadata follow what is touched, not what is reserved"
}
bigmap__metadata_bounded_body()
{
	[ -x /usr/bin/time ] || atf_fail "/usr/bin/time is missing (Debian package time)"
	for v in glibc musl; do
		need_guest bigmap-$v
		atf_check -s exit:0 -o inline:"bigmap ok\n" -e save:err-$v \
		    /usr/bin/time -f "maxrss %M" -o rss-$v \
		    "$vk" -v -m 16m "$gdir/bigmap-$v"
		rss=$(sed -n 's/^maxrss \([0-9]*\)$/\1/p' rss-$v)
		if [ -z "$rss" ]; then
			cat rss-$v >&2
			atf_fail "$v: no peak RSS from time(1)"
		fi
		# Reserving 384 GiB used to cost 8 bytes per page (1.28 GiB).
		[ "$rss" -lt 65536 ] ||
		    atf_fail "$v: vkernel's peak RSS was $rss KiB (limit 64 MiB)"
		peak=$(sed -n 's/.*vm metadata: [0-9]* bytes, \([0-9]*\) peak, limit [0-9]*$/\1/p' err-$v)
		if [ -z "$peak" ]; then
			cat err-$v >&2
			atf_fail "$v: no vm metadata line in the -v summary"
		fi
		[ "$peak" -lt 262144 ] ||
		    atf_fail "$v: VM metadata peaked at $peak bytes (limit 256 KiB)"
	done
}

atf_test_case segv__readonly_write
segv__readonly_write_head()
{
	atf_set "descr" "A write to a read-only page kills the guest with SIGSEGV: exit 139"
}
segv__readonly_write_body()
{
	for v in glibc musl; do
		need_guest segv-$v
		atf_check -s exit:139 -o inline:"before\n" -e ignore \
		    "$vk" -m 256m "$gdir/segv-$v"
	done
}

atf_test_case touch__64mib
touch__64mib_head()
{
	atf_set "descr" "A guest writes and verifies 64 MiB inside a 128 MiB image"
}
touch__64mib_body()
{
	for v in glibc musl; do
		need_guest touch64-$v
		atf_check -s exit:0 -o inline:"touch ok 64 MiB\n" \
		    "$vk" -m 128m "$gdir/touch64-$v"
	done
}

atf_test_case counters__mapping_batched
counters__mapping_batched_head()
{
	atf_set "descr" "Touching 64 MiB: on hw no host mapping request per guest page fault; on sw requests cover many pages each"
}
counters__mapping_batched_body()
{
	need_guest touch64-glibc
	atf_check -s exit:0 -o inline:"touch ok 64 MiB\n" -e save:err \
	    "$vk" -v -m 128m "$gdir/touch64-glibc"
	faults=$(sed -n 's/.*guest page faults: \([0-9]*\).*/\1/p' err)
	reqs=$(sed -n 's/.*host mapping requests: \([0-9]*\) in.*/\1/p' err)
	batches=$(sed -n 's/.*host mapping requests: [0-9]* in \([0-9]*\) batches.*/\1/p' err)
	[ -n "$faults" ] && [ -n "$reqs" ] && [ -n "$batches" ] ||
	    atf_fail "no counters in the -v summary: $(cat err)"
	pages=16384 # 64 MiB
	[ "$faults" -gt 0 ] || atf_fail "no guest page faults counted"
	[ "$batches" -le "$reqs" ] || atf_fail "$batches batches for $reqs requests"
	if grep -q "paging: hw" err; then
		# Nested mappings come from the slot and 2 MiB prefaults only.
		[ "$reqs" -lt 64 ] ||
		    atf_fail "hw: $reqs host mapping requests for $faults faults"
		[ "$reqs" -lt "$faults" ] ||
		    atf_fail "hw: $reqs host mapping requests >= $faults faults"
	else
		# Each host mmap covers a run of pages, not one page.
		[ $((reqs * 8)) -lt "$pages" ] ||
		    atf_fail "sw: $reqs host mapping requests for $pages pages"
	fi
}

atf_test_case oom__killed_cleanly
oom__killed_cleanly_head()
{
	atf_set "descr" "A guest touching more than -m allows dies with 137 and one message; nothing is left behind"
}
oom__killed_cleanly_body()
{
	for v in glibc musl; do
		need_guest oom-$v
		# Own session, so every host process vkernel made can be found.
		atf_check -s exit:137 -o not-match:touched -e save:err-$v \
		    setsid -w sh -c 'echo $$ >sid; exec "$@"' sh \
		    "$vk" -m 32m "$gdir/oom-$v" 512
		atf_check -o match:"out of guest memory" cat err-$v
		atf_check -o inline:"1\n" -x "grep -c . err-$v"
		leftovers_check "$(cat sid)" "$gdir/oom-$v"
	done
}

atf_test_case sysinfo__basics
sysinfo__basics_head()
{
	atf_set "descr" "uname, ids, clocks, getrandom and prlimit64 work in the guest"
}
sysinfo__basics_body()
{
	for v in glibc musl; do
		need_guest sysinfo-$v
		atf_check -s exit:0 -o match:"^sysinfo ok\$" \
		    -o match:"sysname=Linux machine=x86_64" -o not-match:FAIL \
		    "$vk" -m 256m "$gdir/sysinfo-$v"
	done
}

atf_test_case clock__own_cputime
clock__own_cputime_head()
{
	atf_set "descr" "The standard clocks work; the guest's own CPU clocks (by id, pid 0 and its pid) advance while it spins; clock_nanosleep sleeps"
}
clock__own_cputime_body()
{
	for v in glibc musl; do
		need_guest hostinfo-$v
		atf_check -s exit:0 -o inline:"stdclocks ok\n" \
		    "$vk" -m 64m "$gdir/hostinfo-$v" stdclocks
		atf_check -s exit:0 -o inline:"owncpu ok\n" \
		    "$vk" -m 64m "$gdir/hostinfo-$v" owncpu
	done
}

atf_test_case enosys__errno
enosys__errno_head()
{
	atf_set "descr" "An unimplemented system call fails with ENOSYS and the guest goes on"
}
enosys__errno_body()
{
	for v in glibc musl; do
		need_guest enosys-$v
		atf_check -s exit:0 -o inline:"enosys ok\n" -e ignore \
		    "$vk" -m 256m "$gdir/enosys-$v"
	done
}

atf_test_case efault__bad_pointers
efault__bad_pointers_head()
{
	atf_set "descr" "Bad user pointers to system calls give EFAULT, not a crash"
}
efault__bad_pointers_body()
{
	for v in glibc musl; do
		need_guest efault-$v
		# The read checks need a file with data on stdin: the guest itself.
		atf_check -s exit:0 -o match:"^efault ok\$" -o not-match:FAIL \
		    -x "'$vk' -m 256m '$gdir/efault-$v' <'$gdir/efault-$v'"
	done
}

atf_init_test_cases()
{
	atf_add_test_case hello__glibc
	atf_add_test_case hello__musl
	atf_add_test_case hello__static_pie
	atf_add_test_case exit__status
	atf_add_test_case argv__passed
	atf_add_test_case env__e_option
	atf_add_test_case auxv__glibc
	atf_add_test_case auxv__musl
	atf_add_test_case brk__grow_shrink
	atf_add_test_case mmap__semantics
	atf_add_test_case mmap__map_32bit
	atf_add_test_case bigmap__metadata_bounded
	atf_add_test_case segv__readonly_write
	atf_add_test_case touch__64mib
	atf_add_test_case counters__mapping_batched
	atf_add_test_case oom__killed_cleanly
	atf_add_test_case sysinfo__basics
	atf_add_test_case clock__own_cputime
	atf_add_test_case enosys__errno
	atf_add_test_case efault__bad_pointers
}
