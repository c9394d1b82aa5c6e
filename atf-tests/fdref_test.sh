#!/usr/bin/env atf-sh
# fdref_test.sh: a system call that sleeps keeps the file it looked up, whatever a process sharing the descriptor table closes meanwhile (fdrace guest, checked natively first).

. "$(atf_get_srcdir)/vk_common.sh"

# race_check MODE [ARGS]: `fdrace MODE` prints natively what it prints
# under vkernel (both libcs), with nothing on stderr and exit 0.  The
# vkernel's malloc poisons what it frees (glibc.malloc.perturb), so a
# pipe or wait queue used after it was freed crashes it rather than
# working by luck: before the fix, the pipe modes died with SIGSEGV in
# waitq_remove, and the FIFO modes read and polled a host descriptor
# number that had been closed and given to another stub ("child read -1",
# "revents 0x20").
race_check()
{
	for v in glibc musl; do
		need_guest fdrace-$v
		timeout 60 "$gdir/fdrace-$v" "$@" >native.out 2>native.err ||
		    atf_fail "fdrace $* failed natively: $(cat native.out native.err)"
		atf_check -s exit:0 -o file:native.out -e empty \
		    env GLIBC_TUNABLES=glibc.malloc.perturb=165 \
		    timeout 60 "$vk" -m 64m "$gdir/fdrace-$v" "$@"
	done
}

atf_test_case pipe__reader_outlives_close
pipe__reader_outlives_close_head()
{
	atf_set "descr" "A pipe read blocked while a CLONE_FILES sharer closes both ends sees end of file"
}
pipe__reader_outlives_close_body()
{
	race_check pipe
}

atf_test_case pipe__writer_outlives_close
pipe__writer_outlives_close_head()
{
	atf_set "descr" "A pipe write blocked on a full pipe while a CLONE_FILES sharer closes both ends fails with EPIPE"
}
pipe__writer_outlives_close_body()
{
	race_check pipew
}

atf_test_case host__reader_outlives_close
host__reader_outlives_close_head()
{
	atf_set "descr" "A FIFO read blocked on its host descriptor while a sharer closes it and starts processes reads what is written later, through the file it started with"
}
host__reader_outlives_close_body()
{
	mkfifo fifo
	race_check fifo "$PWD/fifo"
}

atf_test_case poll__outlives_close
poll__outlives_close_head()
{
	atf_set "descr" "poll blocked on a FIFO while a sharer closes its descriptor and opens the FIFO again wakes on the new one, never on a stale host descriptor"
}
poll__outlives_close_body()
{
	mkfifo fifo
	race_check poll "$PWD/fifo"
}

atf_init_test_cases()
{
	atf_add_test_case pipe__reader_outlives_close
	atf_add_test_case pipe__writer_outlives_close
	atf_add_test_case host__reader_outlives_close
	atf_add_test_case poll__outlives_close
}
