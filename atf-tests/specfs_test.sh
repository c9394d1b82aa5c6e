#!/usr/bin/env atf-sh
# specfs_test.sh: the guest's own /proc and /dev: each mode of the procfs guest checks Linux's layout natively first, then under vkernel -v, which must give every page back; only guest processes are visible.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# spec_one LIBC MODE [ARG...]: `procfs-LIBC MODE native ARG...` and then
# `vkernel -v -m 64m procfs-LIBC MODE vk ARG...` print only
# "MODE ok: N checks" and exit 0.
spec_one()
{
	need_guest procfs-$1
	so_g="$gdir/procfs-$1"
	so_m=$2
	shift 2
	atf_check -s exit:0 -o save:native.out -e empty \
	    timeout 60 "$so_g" "$so_m" native "$@"
	only_line native.out "^$so_m ok: [0-9]+ checks\$"
	atf_check -s exit:0 -o save:vk.out -e save:vk.err \
	    timeout 120 "$vk" -v -m 64m "$so_g" "$so_m" vk "$@"
	only_line vk.out "^$so_m ok: [0-9]+ checks\$"
	pages_back vk.err
}

# inosize GUEST: "INODE:SIZE" of the guest program, for /proc/self/exe.
inosize()
{
	stat -L -c %i:%s "$gdir/$1"
}

# spec_case NAME MODE DESCRIPTION: the test case NAME runs MODE with
# glibc and with musl.
spec_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$3'; }"
	eval "$1_body() { spec_one glibc $2; spec_one musl $2; }"
}

spec_case proc__maps maps \
    "/proc/self/maps: the columns of Linux, sorted page-aligned ranges, a local variable inside the one [stack] line (name at column 73), the brk area in [heap], main in an executable line; small reads, pread and lseek agree; under vkernel a snapshot taken at open"
spec_case proc__status status \
    "/proc/self/status: the keys of Linux in order; Name, State, Pid, Tgid, PPid, Uid, Threads, FDSize, VmPeak >= VmSize >= VmRSS, SigBlk/SigIgn/SigCgt bits after sigprocmask and signal; comm"
spec_case proc__stat stat \
    "/proc/self/stat: 52 fields; pid, (comm), state, ppid, pgrp, session, threads, vsize; arg_start is argv[0], arg_end ends the last argument, env_start is environ[0]"
spec_case dev__devices dev \
    "/dev/null, zero, full, urandom as Linux; /dev/tty opens or is ENXIO; /dev a directory; ENOENT, ENOTDIR, EISDIR as Linux; under vkernel EACCES for writing /proc, and no host disks, kcore or mem"
spec_case proc__system sys \
    "/proc/meminfo (the -m size under vkernel), cpuinfo (one processor under vkernel), uptime (CLOCK_BOOTTIME), loadavg, sys/kernel/{ostype,osrelease,hostname} as uname says, filesystems"
spec_case proc__fd fd \
    "/proc/self/fd/N opens the same pipe (the read end opened for writing), the same device, the same /proc file; /dev/fd/1 and /dev/stdout are descriptor 1; a closed descriptor is ENOENT"

atf_test_case proc__cmdline_environ
proc__cmdline_environ_head()
{
	atf_set descr "/proc/self/cmdline and environ are argv and envp NUL-joined, read from the process's memory (a rewritten argv[0] shows)"
}
proc__cmdline_environ_body()
{
	spec_one glibc args "a b" "" c
	spec_one musl args "a b" "" c
}

atf_test_case proc__exe
proc__exe_head()
{
	atf_set descr "/proc/self/exe opens this program; /proc/self/cwd and /proc/self are directories"
}
proc__exe_body()
{
	for v in glibc musl; do
		need_guest procfs-$v
		spec_one $v exe "$(inosize procfs-$v)" "$gdir/procfs-$v"
	done
}

atf_test_case proc__guest_only
proc__guest_only_head()
{
	atf_set descr "Under vkernel /proc shows guest processes only: /proc/1 is the guest program, a host pid and pid 0 are ENOENT, a child appears with its parent and cmdline and is gone once reaped"
}
proc__guest_only_body()
{
	for v in glibc musl; do
		need_guest procfs-$v
		atf_check -s exit:0 -o match:"^guest ok: [0-9]+ checks\$" \
		    -e save:vk.err timeout 120 "$vk" -v -m 64m \
		    "$gdir/procfs-$v" guest vk $$ "$(inosize procfs-$v)"
		pages_back vk.err
	done
}

atf_init_test_cases()
{
	atf_add_test_case proc__maps
	atf_add_test_case proc__status
	atf_add_test_case proc__stat
	atf_add_test_case proc__cmdline_environ
	atf_add_test_case proc__exe
	atf_add_test_case proc__fd
	atf_add_test_case dev__devices
	atf_add_test_case proc__system
	atf_add_test_case proc__guest_only
}
