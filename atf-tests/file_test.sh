#!/usr/bin/env atf-sh
# file_test.sh: descriptors and pipes inside one guest process behave as on Linux (the program is checked natively first).

. "$(atf_get_srcdir)/vk_common.sh"

atf_test_case pipes__one_process
pipes__one_process_head()
{
	atf_set "descr" "pipe2, EOF, EPIPE, atomic writes, O_NONBLOCK, dup/dup2/dup3/F_DUPFD, close_range, EMFILE, poll/ppoll/select/pselect, readv/writev"
}
pipes__one_process_body()
{
	for v in glibc musl; do
		need_guest pipes-$v
		# The program itself agrees with the host kernel.
		atf_check -s exit:0 -o match:"^pipes ok: [0-9]+ checks$" \
		    "$gdir/pipes-$v"
		atf_check -s exit:0 -o match:"^pipes ok: [0-9]+ checks$" \
		    -e empty "$vk" -m 64m "$gdir/pipes-$v"
	done
}

atf_test_case pipes__sigpipe_default
pipes__sigpipe_default_head()
{
	atf_set "descr" "A write to a pipe with no reader and SIGPIPE at its default ends the guest with SIGPIPE: 141"
}
pipes__sigpipe_default_body()
{
	for v in glibc musl; do
		need_guest pipes-$v
		atf_check -s exit:141 -o inline:"writing\n" -e empty \
		    "$vk" -m 64m "$gdir/pipes-$v" sigpipe
	done
}

atf_init_test_cases()
{
	atf_add_test_case pipes__one_process
	atf_add_test_case pipes__sigpipe_default
}
