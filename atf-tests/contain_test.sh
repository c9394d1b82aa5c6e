#!/usr/bin/env atf-sh
# contain_test.sh: hostile guests that attack what the sw path shares with them (control page, gate, stub code, host mapping limits) end only themselves, with one line, and never alias memory.

. "$(atf_get_srcdir)/vk_common.sh"

# on_hw: true when this run uses the hw path, where no stub area exists.
on_hw()
{
	[ "${VKERNEL_PAGING:-}" = hw ]
}

# forge_check MODE STATUS PATTERN: `forge MODE` ends vkernel with STATUS and
# one stderr line matching PATTERN (sw); on hw the stub area the attack needs
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
		atf_check -s exit:$2 -o match:"^before $1" -e save:err \
		    timeout 60 setsid -w sh -c 'echo $$ >sid; exec "$@"' sh \
		    "$vk" -m 64m "$gdir/forge-$v" "$1"
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
	atf_set "descr" "A forged gate entry that makes the vkernel queue an unmap, then reports back without making it, ends the guest: the page is never freed while mapped"
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
	atf_add_test_case mapcount__bounded_no_alias
}
