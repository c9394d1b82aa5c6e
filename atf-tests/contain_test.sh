#!/usr/bin/env atf-sh
# contain_test.sh: hostile guests that attack what the sw path shares with them (batch page and slots, gate, stub code and its threads, the kick, host mapping limits) end only themselves, with one line, and never alias memory.

. "$(atf_get_srcdir)/vk_common.sh"

# on_hw: true when this run uses the hw path, where no stub area exists.
on_hw()
{
	[ "${VKERNEL_PAGING:-}" = hw ]
}

# forge_check MODE STATUS PATTERN [OUT]: `forge MODE` ends vkernel with STATUS and
# one stderr line matching PATTERN, its output a line matching OUT if given
# (sw); on hw the stub area the attack needs
# does not exist, so the guest dies of SIGSEGV (139) at its first touch.
# Runs in its own session, which must be empty afterwards.
forge_check()
{
	for v in glibc musl; do
		need_guest forge-$v
		if on_hw; then
			atf_check -s exit:139 -o match:"^before $1" -e empty \
			    "$vk" -m 64m "$gdir/forge-$v" "$1"
			continue
		fi
		atf_check -s exit:$2 -o save:out -e save:err \
		    timeout 60 setsid -w sh -c 'echo $$ >sid; exec "$@"' sh \
		    "$vk" -m 64m "$gdir/forge-$v" "$1"
		atf_check -o ignore grep "^before $1" out
		[ -z "$4" ] || atf_check -o ignore grep "$4" out
		if [ -n "$3" ]; then
			atf_check -o match:"$3" cat err
			atf_check -o inline:"1\n" -x "grep -c . err"
		else
			atf_check -o empty cat err
		fi
		leftovers_check "$(cat sid)" "$gdir/forge-$v"
	done
}

# forge_unheard MODE STATUS OUTPUT: on sw, what `forge MODE` wrote is not
# believed: the guest runs on, prints OUTPUT and exits STATUS, and vkernel
# says nothing; on hw, as forge_check.
forge_unheard()
{
	if on_hw; then
		forge_check "$1"
		return
	fi
	for v in glibc musl; do
		need_guest forge-$v
		atf_check -s exit:$2 -o inline:"before $1\n$3" -e empty \
		    "$vk" -m 64m "$gdir/forge-$v" "$1"
	done
}

atf_test_case ctl__forged_fields_ignored
ctl__forged_fields_ignored_head()
{
	atf_set "descr" "A control page filled with a huge op count, a forged state and junk ops is never read by the vkernel: the guest runs on"
}
ctl__forged_fields_ignored_body()
{
	forge_unheard ctlfill 0 "ctl ok: Guest data\n"
}

atf_test_case ctl__forged_trap_ignored
ctl__forged_trap_ignored_head()
{
	atf_set "descr" "A fatal trap written into the control page while the guest keeps running is not believed"
}
ctl__forged_trap_ignored_body()
{
	forge_unheard oldstate 3 "forge ignored\n"
}

atf_test_case stub__foreign_mmap_refused
stub__foreign_mmap_refused_head()
{
	atf_set "descr" "An mmap of the memory image made through the stub's code (any page: page tables, other guests) ends the guest with one line"
}
stub__foreign_mmap_refused_body()
{
	forge_check mapimage 137 "unexpected host mmap\(0x200000000, 0x1000"
}

atf_test_case stub__foreign_munmap_refused
stub__foreign_munmap_refused_head()
{
	atf_set "descr" "A munmap made through the stub's code that the vkernel did not queue ends the guest with one line"
}
stub__foreign_munmap_refused_body()
{
	forge_check unmapself 137 "unexpected host munmap\("
}

atf_test_case stub__foreign_mprotect_refused
stub__foreign_mprotect_refused_head()
{
	atf_set "descr" "An mprotect of the stub's own code to writable ends the guest with one line"
}
stub__foreign_mprotect_refused_body()
{
	forge_check protectcode 137 "unexpected host mprotect\(0x7e0000000000"
}

atf_test_case gate__unapplied_batch_refused
gate__unapplied_batch_refused_head()
{
	atf_set "descr" "A forged gate entry that makes the vkernel send a mapping op with the resume, then reports back without making it, ends the guest (unmaps go through the control thread, never a guest thread)"
}
gate__unapplied_batch_refused_body()
{
	forge_check skipapply 137 "gate with 1 of 1 mapping ops not made"
}

atf_test_case gate__forged_fatal_trap
gate__forged_fatal_trap_head()
{
	atf_set "descr" "A fatal trap reported through the gate by guest code ends the guest at once; teardown kills the stub first and never waits on it"
}
gate__forged_fatal_trap_body()
{
	# A fatal trap is the guest's own to report: SIGILL, 132, silently.
	forge_check fataltrap 132 ""
}

atf_test_case stub__foreign_clone_refused
stub__foreign_clone_refused_head()
{
	atf_set "descr" "A host thread made through the stub's clone from guest code (only the stub's control thread may, when asked) ends the guest with one line"
}
stub__foreign_clone_refused_body()
{
	forge_check clone 137 "unexpected host clone\(0x50f00"
}

atf_test_case stub__thread_exit_contained
stub__thread_exit_contained_head()
{
	atf_set "descr" "A guest that ends its own host thread through the stub's code (the process would live on, its trap never coming) is killed by the stub's filter: no hang"
}
stub__thread_exit_contained_body()
{
	forge_check exitthread 137 "killed by its seccomp filter"
}

atf_test_case stub__dispatch_off_contained
stub__dispatch_off_contained_head()
{
	atf_set "descr" "Turning Syscall User Dispatch off through the stub's code is refused by the stub's filter: the guest ends"
}
stub__dispatch_off_contained_body()
{
	forge_check dispatchoff 137 "killed by its seccomp filter"
}

atf_test_case stub__kick_blocked_contained
stub__kick_blocked_contained_head()
{
	atf_set "descr" "A guest that blocks the kick signal on its host thread (a forged rt_sigreturn through the stub's code) and spins cannot hold the vCPU: its stub goes, with one line, and the other processes run on"
}
stub__kick_blocked_contained_body()
{
	forge_check blockkick 0 "stub thread blocks the kick signal" \
	    "^child killed 9"
}

atf_test_case mapcount__bounded_no_alias
mapcount__bounded_no_alias_head()
{
	atf_set "descr" "A program needing more host mappings than vm.max_map_count runs correctly: the stub's mappings stay bounded (stubs are replaced), freed pages are never aliased"
}
mapcount__bounded_no_alias_body()
{
	need_guest mapcount-glibc
	atf_check -s exit:0 -o inline:"mapcount ok: 70696 pages\n" -e save:err \
	    "$vk" -v -m 384m "$gdir/mapcount-glibc"
	on_hw && return
	line=$(grep "stub: .* host mappings peak" err) ||
	    atf_fail "no stub line in the -v summary: $(cat err)"
	set -- $(echo "$line" | sed 's/.*peak \([0-9]*\) of \([0-9]*\) allowed, \([0-9]*\) stub restarts.*/\1 \2 \3/')
	[ "$#" = 3 ] || atf_fail "cannot parse: $line"
	[ "$1" -le "$2" ] || atf_fail "peak $1 host mappings above the bound $2"
	max=$(cat /proc/sys/vm/max_map_count)
	[ "$2" -lt "$max" ] || atf_fail "bound $2 not below vm.max_map_count $max"
	[ "$3" -ge 1 ] || atf_fail "the stub was never replaced: $line"
}

atf_init_test_cases()
{
	atf_add_test_case ctl__forged_fields_ignored
	atf_add_test_case ctl__forged_trap_ignored
	atf_add_test_case stub__foreign_mmap_refused
	atf_add_test_case stub__foreign_munmap_refused
	atf_add_test_case stub__foreign_mprotect_refused
	atf_add_test_case gate__unapplied_batch_refused
	atf_add_test_case gate__forged_fatal_trap
	atf_add_test_case stub__foreign_clone_refused
	atf_add_test_case stub__thread_exit_contained
	atf_add_test_case stub__dispatch_off_contained
	atf_add_test_case stub__kick_blocked_contained
	atf_add_test_case mapcount__bounded_no_alias
}
