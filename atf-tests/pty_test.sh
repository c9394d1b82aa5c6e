#!/usr/bin/env atf-sh
# pty_test.sh: guest pseudo-terminals (/dev/ptmx, /dev/pts/N) and the line discipline behind them behave as Linux's (the pty guest natively first; util-linux's script and Python's pty module against native), bounded and private to one vkernel.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

guest_case open__names_lock_numbers pty open \
    "posix_openpt, grantpt, unlockpt, ptsname, ptsname_r (ERANGE), TIOCGPTN; the slave is EIO while locked (TIOCSPTLCK, TIOCGPTLCK, and TIOCGPTPEER too), isatty and ttyname of both sides (the slave is its ptsname, the master /dev/ptmx), fstat (5:2, 136:N owned by us, the same as stat of the name), /dev/pts lists it; once the master closed the name is ENOENT and unlisted, the number held while a slave file is open and given again once both closed; ENOTTY and EIO for pty requests on a slave, ENOTTY on /dev/null"
guest_case canon__line_editing_echo pty canon \
    "Canonical mode: the initial modes and characters of Linux, tcgetattr on the master gives those of the slave; a line is read only once ended (poll, EAGAIN, FIONREAD), one line per read, erase (DEL, echoed as backspace-space-backspace), kill (^U), word erase (^W), ICRNL, VEOF at the start of a line (a 0 read) and after text, echo back to the master with newline as CR LF, ONLCR on output and off, no echo without ECHO, tcsetattr through the master"
guest_case raw__vmin_vtime_transfers pty raw \
    "cfmakeraw: bytes pass at once and unprocessed (^C too), no echo, FIONREAD on both sides, poll, edge-triggered epoll on the master (each output an event, a read none); MIN 0 TIME 2 times out after 0.2 s, MIN 0 TIME 0 returns at once, MIN 3 waits for a third byte from another process; 64 KiB each way between two processes arrive intact; O_NONBLOCK EAGAIN on both sides empty, and full (writes until EAGAIN, then every byte read back)"
guest_case close__eio_hangup pty close \
    "The slave side closed: the master polls POLLHUP, reads EIO (after what was left), a master write still works (its echo is read first); a slave opened again clears it, the line typed meanwhile is kept, a dup keeps it open; before any slave open a master read waits (EAGAIN, not EIO); the master closed: the slave polls POLLHUP and POLLERR, reads 0 (queued input dropped) and writes EIO"
guest_case flush__sctty_through_master pty flush \
    "TCFLSH on a master: TCIFLUSH empties what the slave wrote, TCOFLUSH leaves what the slave already has, another queue is EINVAL; TCIFLUSH on the slave empties its input; the old TCGETA and TCSETA (low 16 bits, 8 characters, the rest kept); TIOCSCTTY on the master makes the slave the controlling terminal of the new session (TIOCGSID, /dev/tty)"
guest_case hostile__random_requests ttyhostile hostile \
    "3000 random terminal requests (bad pointers, garbage settings, random sizes) on both ends of a pty in a session of its own, three times: a new pty then carries bytes both ways; a blocked slave reader comes back when the master closes; 1 MiB of canonical input with no line end never blocks a writer"
guest_case signals__isig_winch_hangup pty signals \
    "A session leader (setsid, TIOCSCTTY) with a job in the foreground (tcsetpgrp): TIOCGPGRP and TIOCGSID on the master, ^C gives the job SIGINT (echoed ^C), ^\\ SIGQUIT, TIOCSWINSZ on the master or the slave SIGWINCH (not for the same size) read back on both sides, ^Z stops the job (WUNTRACED) and WCONTINUED sees it continue, a background read of an orphaned group is EIO; closing the master sends SIGHUP to the leader only, whose reads then give 0 and writes EIO, and the job gets SIGHUP once the leader exits"

atf_test_case bound__enospc_leave
bound__enospc_leave_head()
{
	atf_set "descr" "At most 256 pairs per vkernel (opens of /dev/ptmx until ENOSPC, at -m 64m and -m 16m; a freed number is taken again), every page and all kernel memory back at exit; pairs left open at exit (data queued both ways, a locked one, a hung-up slave, a session's controlling terminal) are freed: the kernel memory at exit is that of a program that made none"
}
bound__enospc_leave_body()
{
	need_guest pty-glibc
	atf_check -s exit:0 -o ignore -e save:hello.err \
	    timeout 60 "$vk" -v -m 64m "$gdir/hello-glibc"
	for v in glibc musl; do
		for m in 64 16; do
			atf_check -s exit:0 -o inline:"bound ok: 2 checks\n" \
			    -e save:bound.err timeout 60 "$vk" -v -m ${m}m \
			    "$gdir/pty-$v" bound 256
			pages_back bound.err
		done
		atf_check -s exit:0 -o inline:"leave ok: 4 checks\n" \
		    -e save:leave.err timeout 60 "$vk" -v -m 64m \
		    "$gdir/pty-$v" leave
		pages_back leave.err
		kmem_back hello.err leave.err
	done
}

atf_test_case contain__second_vkernel_sigkill
contain__second_vkernel_sigkill_head()
{
	atf_set "descr" "A pty one vkernel holds (its slave a controlling terminal, input queued) is not seen by a second vkernel (/dev/pts lists no number, /dev/pts/0 is ENOENT); the holder killed with SIGKILL leaves no process behind"
}
contain__second_vkernel_sigkill_body()
{
	need_guest pty-glibc
	start_holder hold.out "$vk" -m 64m "$gdir/pty-glibc" hold
	has_line hold.out "holding 0"
	for v in glibc musl; do
		atf_check -s exit:0 -o inline:"absent ok: 3 checks\n" -e empty \
		    timeout 60 "$vk" -m 64m "$gdir/pty-$v" absent
	done
	pid=$(pgrep -f "vkernel -m 64m .*pty-glibc hold" | head -1)
	[ -n "$pid" ] || atf_fail "no holder"
	sid=$(ps -o sid= -p $pid | tr -d ' ')
	kill -KILL $pid
	wait
	leftovers_check "$sid" "pty-glibc hold"
}

# native_and_vk OUT IN CMD...: CMD natively into OUT.native, then under
# `vkernel -r /` into OUT.vk, each reading the file IN and with its exit
# status as a last line, the pts numbers written /dev/pts/N; the two
# must be the same.
native_and_vk()
{
	nv_out=$1
	nv_in=$2
	shift 2
	{ timeout 60 "$@"; echo "exit $?"; } <"$nv_in" >"$nv_out.native" 2>&1
	{ timeout 120 "$vk" -m 256m -r / "$@"; echo "exit $?"; } \
	    <"$nv_in" >"$nv_out.vk" 2>&1
	for f in "$nv_out.native" "$nv_out.vk"; do
		sed 's|/dev/pts/[0-9][0-9]*|/dev/pts/N|g' "$f" >"$f.n"
	done
	cat "$nv_out.vk.n"
	diff "$nv_out.native.n" "$nv_out.vk.n" ||
	    atf_fail "$* under vkernel differs from native (above)"
}

atf_test_case script__util_linux
script__util_linux_head()
{
	atf_set "descr" "util-linux's script runs tty, stty size and stty -a on a guest pty (a 0x0 window, Linux's pty modes) and an interactive bash fed through it (its echo, prompts and exit status), under vkernel -r / as natively"
}
script__util_linux_body()
{
	vk_setup
	[ -x /usr/bin/script ] || atf_fail "util-linux's script is missing"
	native_and_vk stty /dev/null /usr/bin/script -qc \
	    'tty; stty size; stty -a' /dev/null
	grep -q '^/dev/pts/N' stty.vk.n || atf_fail "tty named no pty"
	grep -q '^0 0' stty.vk.n || atf_fail "stty size is not 0 0"
	printf 'echo hi $((2+3))\nexit 4\n' >typed
	native_and_vk bash typed env TERM=dumb /usr/bin/script -qec \
	    'bash --norc --noprofile -i' /dev/null
	grep -q '^hi 5' bash.vk.n || atf_fail "bash did not run the line"
	grep -q '^exit 4$' bash.vk.n || atf_fail "bash's status lost"
}

atf_test_case python__pty_module
python__pty_module_head()
{
	atf_set "descr" "Debian's python3: pty.fork runs a shell on a pty as its controlling terminal (tty, stty size, a line typed once it asks, its exit status, EIO at the end), os.openpty, and pty.spawn copying a child's output, under vkernel -r / as natively"
}
python__pty_module_body()
{
	vk_setup
	[ -x /usr/bin/python3 ] || atf_fail "python3 is missing"
	cat >ptyfork.py <<'EOF'
import os, pty, re, sys

pid, fd = pty.fork()
if pid == 0:
    os.execlp("sh", "sh", "-c",
              'tty; stty size; echo $((6*7)); read x; echo "got $x"; '
              'test -t 0 && echo stdin-tty; exit 3')
out = b""
typed = False
while True:
    try:
        b = os.read(fd, 1024)
    except OSError:  # EIO once the slave side is closed
        break
    if not b:
        break
    out += b
    if not typed and b"42\r\n" in out:
        os.write(fd, b"hello\n")
        typed = True
_, st = os.waitpid(pid, 0)
print(repr(out), "exit", os.waitstatus_to_exitcode(st))
m, s = os.openpty()
print("openpty", os.isatty(m), os.isatty(s), os.ttyname(s))
EOF
	native_and_vk fork /dev/null /usr/bin/python3 "$PWD/ptyfork.py"
	grep -qF "b'/dev/pts/N\\r\\n0 0\\r\\n42\\r\\nhello\\r\\ngot hello\\r\\nstdin-tty\\r\\n' exit 3" \
	    fork.vk.n || atf_fail "pty.fork's shell said otherwise"
	native_and_vk spawn /dev/null /usr/bin/python3 -c \
	    'import pty; pty.spawn(["sh", "-c", "tty; stty size; echo spawned"])'
	grep -q '^spawned' spawn.vk.n || atf_fail "pty.spawn copied nothing"
}

atf_init_test_cases()
{
	atf_add_test_case open__names_lock_numbers
	atf_add_test_case canon__line_editing_echo
	atf_add_test_case raw__vmin_vtime_transfers
	atf_add_test_case close__eio_hangup
	atf_add_test_case signals__isig_winch_hangup
	atf_add_test_case hostile__random_requests
	atf_add_test_case flush__sctty_through_master
	atf_add_test_case bound__enospc_leave
	atf_add_test_case contain__second_vkernel_sigkill
	atf_add_test_case script__util_linux
	atf_add_test_case python__pty_module
}
