#!/usr/bin/env atf-sh
# cli_test.sh: the vkernel command-line contract: options, usage errors, bad programs, exit statuses.

. "$(atf_get_srcdir)/vk_common.sh"

# Sets $vk, $gdir and $hello (the glibc hello guest).
cli_setup()
{
	need_guest hello-glibc
	hello="$gdir/hello-glibc"
}

# Checks file $1 holds exactly one non-empty line.
one_line()
{
	atf_check -o inline:"1\n" -x "grep -c . '$1'"
}

# Writes the bytes of printf format $2 into file $1 at offset $3.
patch_bytes()
{
	printf "$2" | dd of="$1" bs=1 seek="$3" conv=notrunc 2>/dev/null ||
	    atf_fail "cannot patch $1"
}

# Expects vkernel to refuse program $1 with 126 and one line naming it.
expect_126()
{
	atf_check -s exit:126 -o empty -e save:err "$vk" -m 64m "$1"
	atf_check -o match:"$1" cat err
	one_line err
}

# --- usage ------------------------------------------------------------------

atf_test_case usage__help
usage__help_head()
{
	atf_set "descr" "-h prints the usage on stdout and exits 0"
}
usage__help_body()
{
	cli_setup
	atf_check -s exit:0 -o save:help -e empty "$vk" -h
	atf_check -o match:"^usage: vkernel" cat help
	atf_check -o match:"^ +vkernel -P\$" cat help
	# One line per option, each with a description.
	for o in d e h i m n P p r v; do
		atf_check -o inline:"1\n" -x "grep -cE '^  -$o( [a-z=:.]+)? +[a-z].{10,}' help"
	done
	atf_check -o match:"^environment: VKERNEL_PAGING=hw\|sw\|auto" cat help
	atf_check -o match:"-r root .*guest's /" cat help
	atf_check -o match:"-n ncpus .*vCPUs at once" cat help
}

atf_test_case usage__unknown_option
usage__unknown_option_head()
{
	atf_set "descr" "An unknown option prints the usage on stderr and exits 64"
}
usage__unknown_option_body()
{
	cli_setup
	atf_check -s exit:64 -o empty -e match:"^usage: vkernel" "$vk" -Z "$hello"
}

atf_test_case usage__missing_argument
usage__missing_argument_head()
{
	atf_set "descr" "An option missing its argument prints the usage on stderr and exits 64"
}
usage__missing_argument_body()
{
	cli_setup
	for o in -m -n -e -i -p -r; do
		atf_check -s exit:64 -o empty -e match:"usage: vkernel" "$vk" $o
	done
}

atf_test_case usage__no_program
usage__no_program_head()
{
	atf_set "descr" "No program prints the usage on stderr and exits 64"
}
usage__no_program_body()
{
	cli_setup
	atf_check -s exit:64 -o empty -e match:"^usage: vkernel" "$vk"
	atf_check -s exit:64 -o empty -e match:"^usage: vkernel" "$vk" -v -m 64m
}

# --- programs that cannot run -----------------------------------------------

atf_test_case program__not_found
program__not_found_head()
{
	atf_set "descr" "A missing program exits 127 with the usual message"
}
program__not_found_body()
{
	cli_setup
	atf_check -s exit:127 -o empty \
	    -e inline:"vkernel: /nonexistent: No such file or directory\n" \
	    "$vk" /nonexistent
}

atf_test_case program__text_file
program__text_file_head()
{
	atf_set "descr" "A text file is refused with 126"
}
program__text_file_body()
{
	cli_setup
	printf 'just some text\nnot an ELF\n' >textfile
	chmod +x textfile
	expect_126 "$PWD/textfile"
}

atf_test_case program__empty_file
program__empty_file_head()
{
	atf_set "descr" "An empty file is refused with 126"
}
program__empty_file_body()
{
	cli_setup
	: >emptyfile
	chmod +x emptyfile
	expect_126 "$PWD/emptyfile"
}

atf_test_case program__truncated_elf
program__truncated_elf_head()
{
	atf_set "descr" "The first 100 bytes of an ELF are refused with 126"
}
program__truncated_elf_body()
{
	cli_setup
	head -c 100 "$hello" >truncated
	chmod +x truncated
	expect_126 "$PWD/truncated"
	head -c 10 "$hello" >tiny
	chmod +x tiny
	expect_126 "$PWD/tiny"
}

atf_test_case program__wrong_class
program__wrong_class_head()
{
	atf_set "descr" "An ELFCLASS32 header is refused with 126"
}
program__wrong_class_body()
{
	cli_setup
	cp "$hello" class32
	patch_bytes class32 '\001' 4
	expect_126 "$PWD/class32"
}

atf_test_case program__wrong_machine
program__wrong_machine_head()
{
	atf_set "descr" "An ELF for another machine (ARM) is refused with 126"
}
program__wrong_machine_body()
{
	cli_setup
	cp "$hello" armelf
	patch_bytes armelf '\050\000' 18
	expect_126 "$PWD/armelf"
}

atf_test_case program__wrong_type
program__wrong_type_head()
{
	atf_set "descr" "A relocatable (ET_REL) ELF is refused with 126"
}
program__wrong_type_body()
{
	cli_setup
	cp "$hello" relelf
	patch_bytes relelf '\001\000' 16
	expect_126 "$PWD/relelf"
}

atf_test_case program__bad_phdrs
program__bad_phdrs_head()
{
	atf_set "descr" "Program headers beyond the end of the file are refused with 126"
}
program__bad_phdrs_body()
{
	cli_setup
	cp "$hello" badphoff
	patch_bytes badphoff '\000\000\000\100\000\000\000\000' 32
	expect_126 "$PWD/badphoff"
}

atf_test_case program__directory
program__directory_head()
{
	atf_set "descr" "A directory is refused with 126"
}
program__directory_body()
{
	cli_setup
	mkdir adir
	expect_126 "$PWD/adir"
}

# --- -m ---------------------------------------------------------------------

atf_test_case memory__sizes
memory__sizes_head()
{
	atf_set "descr" "-m accepts 64m and 1g"
}
memory__sizes_body()
{
	cli_setup
	atf_check -s exit:0 -o match:"hello from the guest" "$vk" -m 64m "$hello"
	atf_check -s exit:0 -o match:"hello from the guest" "$vk" -m 1g "$hello"
}

atf_test_case memory__bad_sizes
memory__bad_sizes_head()
{
	atf_set "descr" "-m 0, -m abc and -m -5 exit 64 with a message"
}
memory__bad_sizes_body()
{
	cli_setup
	for m in 0 abc -5; do
		atf_check -s exit:64 -o empty -e match:"." "$vk" -m "$m" "$hello"
	done
}

atf_test_case memory__cannot_back
memory__cannot_back_head()
{
	atf_set "descr" "-m larger than the host can back exits 69"
}
memory__cannot_back_body()
{
	cli_setup
	atf_check -s exit:69 -o empty -e match:"cannot back" "$vk" -m 100t "$hello"
}

# --- -n ---------------------------------------------------------------------

atf_test_case cpus__option
cpus__option_head()
{
	atf_set "descr" "-n 2 runs two vCPUs and -v says so; -n 0, -n 257 and -n x exit 64"
}
cpus__option_body()
{
	cli_setup
	atf_check -s exit:0 -o match:"hello from the guest" \
	    -e match:"^vkernel: vCPUs: 2 \(-n\)" "$vk" -v -n 2 -m 64m "$hello"
	atf_check -s exit:0 -o match:"hello from the guest" \
	    -e match:"^vkernel: vCPUs: 1 \(-n\)" "$vk" -v -m 64m "$hello"
	atf_check -s exit:64 -o empty -e match:"." "$vk" -n 0 -m 64m "$hello"
	atf_check -s exit:64 -o empty -e match:"." "$vk" -n 257 -m 64m "$hello"
	atf_check -s exit:64 -o empty -e match:"." "$vk" -n x -m 64m "$hello"
}

# --- -e ---------------------------------------------------------------------

atf_test_case env__option
env__option_head()
{
	atf_set "descr" "-e NAME=VALUE:NAME=VALUE sets guest variables; -e without = exits 64"
}
env__option_body()
{
	cli_setup
	args="$gdir/args-glibc"
	[ -x "$args" ] || atf_fail "guest $args is missing"
	atf_check -s exit:0 -o inline:"bar\n" "$vk" -e FOO=bar:BAZ=qux "$args" env FOO
	atf_check -s exit:0 -o inline:"qux\n" "$vk" -e FOO=bar:BAZ=qux "$args" env BAZ
	atf_check -s exit:64 -o empty -e match:"." "$vk" -e novalue "$args" env FOO
}

# --- -p ---------------------------------------------------------------------

atf_test_case pidfile__written_and_removed
pidfile__written_and_removed_head()
{
	atf_set "descr" "-p holds vkernel's pid while the guest runs and is gone afterwards"
}
pidfile__written_and_removed_body()
{
	cli_setup
	# Plain run: the pidfile does not outlive vkernel.
	atf_check -s exit:0 -o match:"hello from the guest" "$vk" -p "$PWD/vk.pid" "$hello"
	[ ! -e vk.pid ] || atf_fail "pidfile left behind after a normal exit"

	# Held run: the guest writes more than a pipe holds into a FIFO that
	# is not read yet, so it stays alive while the pidfile is checked.
	big=$(head -c 50000 /dev/zero | tr '\0' x)
	mkfifo out.fifo
	"$vk" -p "$PWD/vk.pid" "$hello" "$big" "$big" >out.fifo 2>err &
	vpid=$!
	exec 3<out.fifo
	i=0
	while [ ! -s vk.pid ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	got=$(tr -d ' \n' <vk.pid 2>/dev/null)
	cat <&3 >out.txt
	exec 3<&-
	wait $vpid
	st=$?
	[ "$st" -eq 0 ] || { cat err; atf_fail "vkernel exited $st in the held run"; }
	[ "$got" = "$vpid" ] || atf_fail "pidfile held '$got', vkernel's pid is $vpid"
	atf_check -o match:"^hello from the guest" cat out.txt
	[ ! -e vk.pid ] || atf_fail "pidfile left behind after the held run"
}

atf_test_case pidfile__bad_path
pidfile__bad_path_head()
{
	atf_set "descr" "-p in a missing directory fails with a message"
}
pidfile__bad_path_body()
{
	cli_setup
	atf_check -s not-exit:0 -o ignore -e match:"." \
	    "$vk" -p /nonexistent-dir/x.pid "$hello"
}

# --- -i ---------------------------------------------------------------------

atf_test_case image__file
image__file_head()
{
	atf_set "descr" "-i FILE keeps the memory image in FILE, sized as -m says"
}
image__file_body()
{
	cli_setup
	atf_check -s exit:0 -o match:"hello from the guest" \
	    "$vk" -i ./mem.img -m 64m "$hello"
	[ -f mem.img ] || atf_fail "mem.img was not created"
	atf_check -o inline:"67108864\n" stat -c %s mem.img
}

# --- -r ---------------------------------------------------------------------

atf_test_case root__option
root__option_head()
{
	atf_set "descr" "-r DIR is the guest's /: programs resolve beneath it, and neither .., nor absolute or relative symlinks, nor /proc magic links reach a host file outside it; -r /nonexistent fails with a message"
}
root__option_body()
{
	cli_setup
	atf_check -s exit:0 -o match:"hello from the guest" "$vk" -r / "$hello"
	atf_check -s not-exit:0 -o not-match:"hello from the guest" -e match:"." \
	    "$vk" -r /nonexistent "$hello"
	# A root with one program in it, and ways out that must not work.
	mkdir -p root/bin root/sub
	cp "$hello" root/bin/hello
	ln -s "$hello" root/bin/abs
	ln -s ../../../../../../../../.."$hello" root/bin/rel
	ln -s /proc/self/root"$hello" root/bin/magic
	atf_check -s exit:0 -o match:"hello from the guest" "$vk" -r root /bin/hello
	atf_check -s exit:0 -o match:"hello from the guest" "$vk" -r root \
	    /sub/../bin/../../../bin/hello
	for p in "$hello" /../../../../.."$hello" /bin/abs /bin/rel; do
		atf_check -s exit:127 -o empty \
		    -e match:"No such file or directory" "$vk" -r root "$p"
	done
	atf_check -s not-exit:0 -o empty -e match:"." "$vk" -r root /bin/magic
}

# --- -P ---------------------------------------------------------------------

atf_test_case probe__hw_paging
probe__hw_paging_head()
{
	atf_set "descr" "-P prints one line saying whether hw paging can run and why, and exits 0 or 69 as VKERNEL_PAGING=hw would"
}
probe__hw_paging_body()
{
	cli_setup
	hw_probe
	if [ "$hw_ok" = yes ]; then
		echo "$hw_why" | grep -qE '^(AMD NPT|Intel EPT)' ||
		    atf_fail "-P says yes for '$hw_why'"
		atf_check -s exit:0 -o inline:"hello from the guest\n" -e save:err \
		    env VKERNEL_PAGING=hw "$vk" -v "$hello"
		has_line err "vkernel: paging: hw ($hw_why)"
	else
		# Exactly the reason -P gave, and the status.
		atf_check -s exit:69 -o empty -e inline:"vkernel: VKERNEL_PAGING=hw: hardware nested paging unavailable: $hw_why\n" \
		    env VKERNEL_PAGING=hw "$vk" "$hello"
		atf_check -s exit:0 -o inline:"hello from the guest\n" -e save:err \
		    env -u VKERNEL_PAGING "$vk" -v "$hello"
		has_line err "vkernel: paging: sw ($hw_why)"
	fi
	[ -e /dev/kvm ] || [ "$hw_why" = "no /dev/kvm" ] ||
	    atf_fail "no /dev/kvm here, but -P says '$hw_why'"
	if [ -e /sys/module/kvm_pvm ] && [ ! -e /sys/module/kvm_amd ] &&
	    [ ! -e /sys/module/kvm_intel ] && [ -w /dev/kvm ]; then
		[ "$hw_ok" = no ] || atf_fail "-P says yes with kvm_pvm"
		echo "$hw_why" | grep -q '^/dev/kvm is kvm_pvm, a paravirtual KVM without nested paging' ||
		    atf_fail "-P does not name kvm_pvm: '$hw_why'"
	fi
	# The answer is the machine's: neither VKERNEL_PAGING nor -d changes it.
	st=0
	[ "$hw_ok" = yes ] || st=69
	atf_check -s exit:$st -o inline:"hw paging: $hw_ok ($hw_why)\n" -e empty \
	    env VKERNEL_PAGING=sw "$vk" -P
	atf_check -s exit:$st -o inline:"hw paging: $hw_ok ($hw_why)\n" -e empty \
	    env VKERNEL_PAGING=bogus "$vk" -d -P
	# -P runs nothing.
	atf_check -s exit:64 -o empty -e match:"-P takes no program" "$vk" -P "$hello"
}

# --- -v and -d --------------------------------------------------------------

atf_test_case verbose__summary
verbose__summary_head()
{
	atf_set "descr" "-v reports the paging mode, the memory and an exit summary on stderr"
}
verbose__summary_body()
{
	cli_setup
	hw_probe
	mode=${VKERNEL_PAGING:-auto}
	if [ "$mode" = hw ] && [ "$hw_ok" = no ]; then
		# hw demanded where -P says it cannot run: 69 with its reason.
		atf_check -s exit:69 -o empty -e inline:"vkernel: VKERNEL_PAGING=hw: hardware nested paging unavailable: $hw_why\n" \
		    "$vk" -v "$hello"
		mode=auto
	fi
	atf_check -s exit:0 -o inline:"hello from the guest\n" -e save:err \
	    env VKERNEL_PAGING=$mode "$vk" -v "$hello"
	case $mode/$hw_ok in
	sw/*)	has_line err "vkernel: paging: sw (VKERNEL_PAGING=sw)" ;;
	*/yes)	has_line err "vkernel: paging: hw ($hw_why)" ;;
	*)	has_line err "vkernel: paging: sw ($hw_why)" ;;
	esac
	# The kvm: line names what was found, and agrees with -P.
	case $hw_ok/$hw_why in
	yes/*)
		atf_check -o match:"^vkernel: kvm: /dev/kvm \((kvm_amd|kvm_intel|module unknown)\) usable, with nested paging\$" cat err ;;
	"no//dev/kvm is kvm_pvm"*)
		has_line err "vkernel: kvm: /dev/kvm (kvm_pvm) usable, without nested paging" ;;
	"no//dev/kvm is "*|"no//dev/kvm without"*)
		atf_check -o match:"^vkernel: kvm: /dev/kvm \(.*\) usable, without nested paging\$" cat err ;;
	*)
		has_line err "vkernel: kvm: $hw_why" ;;
	esac
	atf_check -o match:"memory: " cat err
	atf_check -o match:"page faults: [0-9]+" cat err
	atf_check -o match:"host mapping requests: [0-9]+" cat err
	# The default 256 MiB image gives a 40 MiB metadata budget (-m/8 + 8m).
	atf_check -o match:"vm metadata: [0-9]+ bytes, [0-9]+ peak, limit 41943040\$" \
	    cat err
	# Without -v, vkernel says nothing.
	atf_check -s exit:0 -o inline:"hello from the guest\n" -e empty \
	    env VKERNEL_PAGING=$mode "$vk" "$hello"
}

atf_test_case verbose__unimplemented_syscall
verbose__unimplemented_syscall_head()
{
	atf_set "descr" "-v names an unimplemented system call the guest made"
}
verbose__unimplemented_syscall_body()
{
	cli_setup
	for v in glibc musl; do
		atf_check -s exit:0 -o inline:"enosys ok\n" -e save:err \
		    "$vk" -v "$gdir/enosys-$v"
		has_line err "vkernel: pid 1 (enosys-$v): unimplemented syscall ? (999): ENOSYS"
	done
}

atf_test_case verbose__probed_syscalls
verbose__probed_syscalls_head()
{
	atf_set "descr" "-v lists the calls the C library probes and expects to fail once at exit, apart from per-call warnings"
}
verbose__probed_syscalls_body()
{
	cli_setup
	probed="vkernel: unimplemented (probed by the C library, expected to fail): rseq"
	# glibc's start-up (static and static-pie): no per-call warning.
	for g in hello-glibc hello-pie; do
		atf_check -s exit:0 -o inline:"hello from the guest\n" -e save:err \
		    "$vk" -v "$gdir/$g"
		atf_check -s exit:1 -o empty grep "unimplemented syscall" err
		has_line err "$probed"
		atf_check -o inline:"1\n" grep -c "probed by the C library" err
		atf_check -o match:"guest syscalls: [0-9]+ \(1 unimplemented\)" cat err
	done
	# musl's start-up probes nothing.
	atf_check -s exit:0 -o inline:"hello from the guest\n" -e save:err \
	    "$vk" -v "$gdir/hello-musl"
	atf_check -s exit:1 -o empty grep -E "unimplemented (syscall|\()" err
	atf_check -o match:"guest syscalls: [0-9]+ \(0 unimplemented\)" cat err
	# An unknown call is still named where it happens; rseq is not.
	atf_check -s exit:0 -o inline:"enosys ok\n" -e save:err \
	    "$vk" -v "$gdir/enosys-glibc"
	has_line err "vkernel: pid 1 (enosys-glibc): unimplemented syscall ? (999): ENOSYS"
	atf_check -s exit:1 -o empty grep -E "unimplemented syscall (rseq|readlink)" err
	has_line err "$probed"
}

atf_test_case disable_hw__option
disable_hw__option_head()
{
	atf_set "descr" "-d forces software paging and -v says -d is why"
}
disable_hw__option_body()
{
	cli_setup
	atf_check -s exit:0 -o inline:"hello from the guest\n" \
	    -e match:"paging: sw.*-d" "$vk" -d -v "$hello"
}

# --- VKERNEL_PAGING ---------------------------------------------------------

atf_test_case paging__env
paging__env_head()
{
	atf_set "descr" "VKERNEL_PAGING=sw works; a bogus value exits 64; auto and hw follow what -P says"
}
paging__env_body()
{
	cli_setup
	hw_probe
	atf_check -s exit:0 -o inline:"hello from the guest\n" -e save:err \
	    env VKERNEL_PAGING=sw "$vk" -v "$hello"
	has_line err "vkernel: paging: sw (VKERNEL_PAGING=sw)"
	atf_check -s exit:0 -o inline:"hello from the guest\n" \
	    env VKERNEL_PAGING=auto "$vk" "$hello"
	# auto (also when unset) takes hw exactly when -P says yes, and says
	# why with -P's reason.
	if [ "$hw_ok" = yes ]; then
		auto="vkernel: paging: hw ($hw_why)"
	else
		auto="vkernel: paging: sw ($hw_why)"
	fi
	atf_check -s exit:0 -o ignore -e save:err env -u VKERNEL_PAGING "$vk" -v "$hello"
	has_line err "$auto"
	atf_check -s exit:0 -o ignore -e save:err env VKERNEL_PAGING=auto "$vk" -v "$hello"
	has_line err "$auto"
	atf_check -s exit:64 -o empty -e match:"." \
	    env VKERNEL_PAGING=bogus "$vk" "$hello"
	if [ "$hw_ok" = yes ]; then
		atf_check -s exit:0 -o inline:"hello from the guest\n" -e save:err \
		    env VKERNEL_PAGING=hw "$vk" -v "$hello"
		atf_check -o match:"^vkernel: paging: hw \((AMD NPT|Intel EPT)" cat err
	else
		atf_check -s exit:69 -o empty \
		    -e inline:"vkernel: VKERNEL_PAGING=hw: hardware nested paging unavailable: $hw_why\n" \
		    env VKERNEL_PAGING=hw "$vk" "$hello"
	fi
}

# --- exit status ------------------------------------------------------------

atf_test_case status__guest_exit
status__guest_exit_head()
{
	atf_set "descr" "vkernel exits with the guest's exit status"
}
status__guest_exit_body()
{
	cli_setup
	atf_check -s exit:3 -o ignore "$vk" "$gdir/exitcode-glibc" 3
	atf_check -s exit:0 -o ignore "$vk" "$gdir/exitcode-musl" 0 _exit
}

atf_test_case status__guest_signal
status__guest_signal_head()
{
	atf_set "descr" "A guest killed by signal N makes vkernel exit 128+N"
}
status__guest_signal_body()
{
	cli_setup
	atf_check -s exit:139 -o inline:"before\n" -e ignore "$vk" "$gdir/segv-glibc"
}

atf_init_test_cases()
{
	atf_add_test_case usage__help
	atf_add_test_case usage__unknown_option
	atf_add_test_case usage__missing_argument
	atf_add_test_case usage__no_program
	atf_add_test_case program__not_found
	atf_add_test_case program__text_file
	atf_add_test_case program__empty_file
	atf_add_test_case program__truncated_elf
	atf_add_test_case program__wrong_class
	atf_add_test_case program__wrong_machine
	atf_add_test_case program__wrong_type
	atf_add_test_case program__bad_phdrs
	atf_add_test_case program__directory
	atf_add_test_case memory__sizes
	atf_add_test_case memory__bad_sizes
	atf_add_test_case memory__cannot_back
	atf_add_test_case cpus__option
	atf_add_test_case env__option
	atf_add_test_case pidfile__written_and_removed
	atf_add_test_case pidfile__bad_path
	atf_add_test_case image__file
	atf_add_test_case root__option
	atf_add_test_case verbose__summary
	atf_add_test_case probe__hw_paging
	atf_add_test_case verbose__unimplemented_syscall
	atf_add_test_case verbose__probed_syscalls
	atf_add_test_case disable_hw__option
	atf_add_test_case paging__env
	atf_add_test_case status__guest_exit
	atf_add_test_case status__guest_signal
}
