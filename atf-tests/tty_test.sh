#!/usr/bin/env atf-sh
# tty_test.sh: interactive programs on a terminal (bash, busybox sh, less, vi, script, Python's pty) driven through a host pty by ptyrun, natively and then as `vkernel -r / CMD`, with the same script.

. "$(atf_get_srcdir)/vk_common.sh"

# Every case runs its script (tty.script, in ptyrun's language: see
# ptyrun.c) twice: natively, with ptyrun's default limit of 20 s for an
# expect or a wait, and then with the vkernel on the host pty as its
# terminal, with 60 s (the hw path in an emulated machine is slow).  The
# shells get a clean environment: prompt "P> ", no history file, readline
# without bracketed paste (inputrc), TERM=xterm.

# tty_setup: sets $vk, $drv (the driver) and writes inputrc.
tty_setup()
{
	vk_setup
	drv="$(atf_get_srcdir)/ptyrun"
	[ -x "$drv" ] || atf_fail "no driver at $drv"
	printf 'set enable-bracketed-paste off\n' >inputrc
}

# tty_run native|vk CMD [ARG...]: ptyrun plays tty.script against CMD
# (natively, or as `$vk -r / CMD`), its transcript in native.log or vk.log;
# fails with ptyrun's reason (its whole report on stderr) unless it passed.
tty_run()
{
	tty_where=$1
	shift
	if [ "$tty_where" = vk ]; then
		tty_t=60
		set -- "$vk" -r / "$@"
		tty_name="under vkernel"
	else
		tty_t=20
		tty_name="natively"
	fi
	if env -i TERM=xterm PATH=/usr/bin:/bin HOME="$PWD" LANG=C \
	    PS1='P> ' HISTFILE= INPUTRC="$PWD/inputrc" \
	    ${VKERNEL_PAGING:+VKERNEL_PAGING=$VKERNEL_PAGING} \
	    "$drv" -t $tty_t -l $tty_where.log -f tty.script "$@" \
	    >$tty_where.out 2>$tty_where.err; then
		:
	else
		echo "$tty_name: ptyrun failed:" >&2
		cat $tty_where.err >&2
		atf_fail "$tty_name: $(grep -m 1 '^ptyrun: ' $tty_where.err)"
	fi
	# bash and busybox sh say so when they got no job control.
	if grep -E -q 'no job control|cannot set terminal process group|can.t access tty' \
	    $tty_where.log; then
		cat $tty_where.log >&2
		atf_fail "$tty_name: the shell found no job control"
	fi
}

# tty_both CMD [ARG...]: tty.script against CMD natively, then under vkernel.
tty_both()
{
	tty_run native "$@"
	tty_run vk "$@"
}

# tty_same_logs: the two transcripts are the same but for pty numbers.
tty_same_logs()
{
	sed -E 's,/dev/pts/[0-9]+,/dev/pts/N,g' native.log >native.norm
	sed -E 's,/dev/pts/[0-9]+,/dev/pts/N,g' vk.log >vk.norm
	cmp -s native.norm vk.norm ||
	    atf_fail "under vkernel the screen differs from native:" \
	    "$(od -c vk.norm | head -n 20) vs $(od -c native.norm | head -n 20)"
}

# need_busybox: skips when Debian's busybox is not installed.
need_busybox()
{
	[ -x /bin/busybox ] ||
	    atf_skip "no /bin/busybox on this host (install busybox-static)"
}

BASH="/bin/bash --norc --noprofile -i"

atf_test_case driver__self
driver__self_head() { atf_set descr 'ptyrun itself, natively: a script that holds passes; an expect not seen, a wrong exit status and a changed termios each fail with the line and its reason'; }
driver__self_body()
{
	tty_setup
	printf 'expect ^one\\r\\n\nexpect two\\r\\nthree\nwait exit:3\ntermios same\n' >ok.script
	atf_check -s exit:0 -o empty -e empty \
	    "$drv" -f ok.script sh -c 'echo one; echo two; echo three; exit 3'
	printf 'timeout 1\nexpect never\n' >bad.script
	atf_check -s exit:1 -o empty -e match:"^ptyrun: line 2: expect 'never': the command ended" \
	    -e match:'^here\\r\\n$' "$drv" -f bad.script sh -c 'echo here'
	atf_check -s exit:1 -o empty -e match:"^ptyrun: line 2: expect 'never': not seen in 1 s" \
	    "$drv" -f bad.script sh -c 'echo here; sleep 5'
	printf 'wait exit:0\n' >st.script
	atf_check -s exit:1 -o empty -e match:'ended with exit:4, not exit:0' \
	    "$drv" -f st.script sh -c 'exit 4'
	printf 'wait signal:TERM\n' >sig.script
	atf_check -s exit:0 -o empty -e empty \
	    "$drv" -f sig.script sh -c 'kill -TERM $$'
	printf 'wait\ntermios same\n' >tio.script
	atf_check -s exit:1 -o empty -e match:'^ptyrun: c_lflag: was' \
	    -e match:'termios same: [0-9]+ fields? differs? from the record' \
	    "$drv" -f tio.script sh -c 'stty raw -echo'
	printf 'resize 30 90\nsend x\\n\nexpect 30 90\nwait 0\ntermios same\n' >ws.script
	atf_check -s exit:1 -o empty -e match:'^ptyrun: ws_row: was 0x18, now 0x1e' \
	    "$drv" -f ws.script sh -c 'read x; stty size'
	printf 'expect started\ntimeout 1\ngone\n' >gone.script
	atf_check -s exit:1 -o empty -e match:'^ptyrun: left in the session: [0-9]+ \(sleep\) S' \
	    -e match:'^ptyrun: line 3: gone: processes left' \
	    "$drv" -f gone.script sh -c 'trap "" HUP; sleep 300 & echo started'
	# At its end ptyrun kills what is left of the session.
	printf 'expect started\n' >left.script
	atf_check -s exit:0 -o empty -e empty "$drv" -f left.script \
	    sh -c 'sleep 3141 & echo started; wait'
	pgrep -x -f 'sleep 3141' >/dev/null && atf_fail "sleep 3141 left running"
	true
}

atf_test_case bash__tty
bash__tty_head() { atf_set descr 'bash -i prints its prompt with job control and `tty` names a terminal (/dev/pts/N natively)'; }
bash__tty_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send tty\r
expect \n/dev/(pts/[0-9]+|console|tty[0-9]*)\r\n
expect P> $
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__stty_size
bash__stty_size_head() { atf_set descr '`stty size` is the terminal size; a resize sends SIGWINCH to the foreground group (a trap in bash) and stty size is the new one'; }
bash__stty_size_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send trap 'echo got-winch' WINCH; stty size\r
expect \n24 80\r\n
expect P> $
sleep 0.5
resize 40 100
expect got-winch
send stty size\r
expect \n40 100\r\n
expect P> $
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__ctrl_c
bash__ctrl_c_head() { atf_set descr 'Ctrl-C kills the foreground job (status 130) and the shell survives'; }
bash__ctrl_c_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send sh -c 'echo started; exec sleep 100'\r
expect \nstarted\r\n
send \x03
expect P> $
send echo status=$?; echo alive\r
expect \nstatus=130\r\nalive\r\n
expect P> $
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

# The jobs stopped with Ctrl-Z are bash -c, not sh -c: dash makes its
# children with vfork, and a stop that reaches the child before its exec
# leaves dash waiting in vfork, neither stopped nor running, natively too.
atf_test_case bash__ctrl_z_bg_fg
bash__ctrl_z_bg_fg_head() { atf_set descr 'Ctrl-Z stops the foreground job; jobs shows it Stopped, bg runs it, fg brings it back and it finishes'; }
bash__ctrl_z_bg_fg_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send bash -c 'echo started; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1; done; echo done'\r
expect \nstarted\r\n
sleep 0.5
send \x1a
expect \[1\]\+ +Stopped +bash -c
expect P> $
send jobs\r
expect \n\[1\]\+ +Stopped +bash -c
expect P> $
send bg\r
expect \n\[1\]\+ bash -c .* &\r\n
expect P> $
send fg\r
expect \ndone\r\n
expect P> $
send echo status=$?\r
expect \nstatus=0\r\n
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__kill_job
bash__kill_job_head() { atf_set descr '`kill %1` terminates a background job; bash reports it Terminated'; }
bash__kill_job_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send sleep 100 &\r
expect \n\[1\] [0-9]+\r\n
send kill %1; wait %1; echo status=$?\r
expect \n\[1\]\+ +Terminated +sleep 100
expect \nstatus=143\r\n
expect P> $
send jobs; echo none\r
expect \nnone\r\n
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__sigttin
bash__sigttin_head() { atf_set descr 'A background cat that reads the terminal is stopped by SIGTTIN (status 149) and jobs shows it Stopped'; }
bash__sigttin_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send cat &\r
expect \n\[1\] [0-9]+\r\n
send wait %1; echo status=$?\r
expect \nstatus=149\r\n
send jobs\r
expect \n\[1\]\+ +Stopped.* +cat\r\n
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__sigttou
bash__sigttou_head() { atf_set descr 'With stty tostop a background job that writes is stopped by SIGTTOU (jobs: Stopped) and writes once in the foreground; a background stty (a change of the settings) is stopped the same way even without tostop, and done in the foreground'; }
bash__sigttou_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send stty tostop\r
expect P> $
send /bin/echo hi &\r
expect P> $
send for i in $(seq 100); do jobs %1 | grep -q Stopped && break; sleep 0.2; done; jobs\r
expect Stopped +/bin/echo hi
expect P> $
send fg\r
expect \nhi\r\n
expect P> $
send stty -tostop; stty -echo &\r
expect P> $
send for i in $(seq 100); do jobs %1 | grep -q Stopped && break; sleep 0.2; done; jobs\r
expect Stopped +stty -echo
expect P> $
send fg; stty echo; echo alive $?\r
expect \nalive 0\r\n
send exit\r
wait exit:0
termios same
gone
EOF
	tty_both $BASH
}

atf_test_case bash__ctrl_backslash
bash__ctrl_backslash_head() { atf_set descr 'Ctrl-\\ sends SIGQUIT to the foreground job (status 131) and the shell survives'; }
bash__ctrl_backslash_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send sh -c 'echo started; exec sleep 100'\r
expect \nstarted\r\n
send \x1c
expect Quit
expect P> $
send echo status=$?; echo alive\r
expect \nstatus=131\r\nalive\r\n
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__line_editing
bash__line_editing_head() { atf_set descr 'readline: a backspace erases (echo abc, DEL, d gives abd), Ctrl-U kills the line'; }
bash__line_editing_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send echo abc\x7fd\r
expect \nabd\r\n
expect P> $
send echo wrong\x15echo right\r
expect \nright\r\n
expect P> $
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__history
bash__history_head() { atf_set descr 'readline history: the Up arrow recalls the previous line'; }
bash__history_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send echo one-$((40+2))\r
expect \none-42\r\n
expect P> $
send \e[A
expect echo one-\$\(\(40\+2\)\)$
send \r
expect \none-42\r\n
expect P> $
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__stty_a
bash__stty_a_head() { atf_set descr '`stty -a` shows the size, the control characters and the cooked modes (isig icanon echo, onlcr)'; }
bash__stty_a_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send stty -a\r
expect rows 24; columns 80;
expect intr = \^C; quit = \^\\; erase = \^\?; kill = \^U; eof = \^D;
expect susp = \^Z;
expect [ \n]icrnl[ \r]
expect [ \n]opost[ \r]
expect [ \n]onlcr[ \r]
expect [ \n]isig icanon iexten echo echoe echok[ \r]
expect P> $
send exit\r
wait exit:0
EOF
	tty_both $BASH
}

atf_test_case bash__eof
bash__eof_head() { atf_set descr 'Canonical input: cat echoes a line back, Ctrl-D ends cat, Ctrl-D at the prompt ends the shell'; }
bash__eof_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send sh -c 'echo started; exec cat'\r
expect \nstarted\r\n
send hello\r
expect hello\r\nhello\r\n
send \x04
expect P> $
send \x04
wait exit:0
termios same
EOF
	tty_both $BASH
}

atf_test_case less__file
less__file_head() { atf_set descr 'less pages a file to the screen size (space for the next page) and q quits back to the shell'; }
less__file_body()
{
	tty_setup
	seq -f 'line%g' 1 100 >file.txt
	cat >tty.script <<'EOF'
expect P> $
send less file.txt\r
expect line23[^0-9]
send \x20
expect line46[^0-9]
send q
expect P> $
send echo alive\r
expect \nalive\r\n
send exit\r
wait exit:0
termios same
EOF
	tty_both $BASH
}

atf_test_case busybox__vi
busybox__vi_head() { atf_set descr 'busybox vi draws a 24-line screen; insert a line, :wq, the file has it'; }
busybox__vi_body()
{
	tty_setup
	need_busybox
	cat >tty.script <<'EOF'
expect P> $
send rm -f vi.txt; busybox vi vi.txt\r
expect \e\[24;1H\e\[K- vi\.txt 1/1 100%
send ihello from vi\e
expect \[Modified\]
send :wq\r
expect 'vi\.txt' 1L, 14C
expect P> $
send cat vi.txt\r
expect \nhello from vi\r\n
send exit\r
wait exit:0
termios same
EOF
	tty_both $BASH
}

atf_test_case vim__tiny
vim__tiny_head() { atf_set descr 'Debian vim.tiny (no vimrc): insert a line, :wq, the file has it, the shell comes back'; }
vim__tiny_body()
{
	tty_setup
	[ -x /usr/bin/vim.tiny ] ||
	    atf_skip "no /usr/bin/vim.tiny on this host (install vim-tiny)"
	cat >tty.script <<'EOF'
expect P> $
send rm -f vim.txt; vim.tiny -N -u NONE -i NONE vim.txt\r
expect "vim\.txt" \[New\]
send ihello from vim\e
send :wq\r
expect "vim\.txt" \[New\] 1L, 15B written
expect P> $
send cat vim.txt\r
expect \nhello from vim\r\n
send exit\r
wait exit:0
termios same
EOF
	tty_both $BASH
}

atf_test_case top__screen
top__screen_head() { atf_set descr 'top draws its screen from /proc (the task count and the header line), refreshes on a key, q quits back to the shell'; }
top__screen_body()
{
	tty_setup
	[ -x /usr/bin/top ] || atf_skip "no /usr/bin/top on this host (install procps)"
	cat >tty.script <<'EOF'
expect P> $
send top -d 60\r
expect Tasks:.{1,80}total
expect PID +USER +PR +NI +VIRT +RES
send \x20
expect Tasks:.{1,80}total
send q
expect P> $
send echo alive\r
expect \nalive\r\n
send exit\r
wait exit:0
termios same
EOF
	tty_both $BASH
}

atf_test_case busybox__job_control
busybox__job_control_head() { atf_set descr 'busybox sh: Ctrl-C kills the foreground job, Ctrl-Z stops one, jobs and fg resume it, Ctrl-D leaves'; }
busybox__job_control_body()
{
	tty_setup
	need_busybox
	cat >tty.script <<'EOF'
expect P> (\e\[6n)?$
send sh -c 'echo started; exec sleep 100'\r
expect \nstarted\r\n
send \x03
expect P> (\e\[6n)?$
send echo status=$?\r
expect \nstatus=130\r\n
expect P> (\e\[6n)?$
send bash -c 'echo started; for i in 1 2 3 4; do sleep 1; done; echo done'\r
expect \nstarted\r\n
sleep 0.5
send \x1a
expect \[1\]\+ +Stopped
expect P> (\e\[6n)?$
send jobs\r
expect \n\[1\]\+ +Stopped
expect P> (\e\[6n)?$
send fg\r
expect \ndone\r\n
expect P> (\e\[6n)?$
send \x04
wait exit:0
termios same
EOF
	tty_both /bin/busybox sh -i
}

atf_test_case console__pipeline
console__pipeline_head() { atf_set descr 'vkernel in a pipeline (vkernel prog | less): no console is made, the terminal stays the pager'"'"'s: less shows the guest'"'"'s output and quits on a q typed while the guest runs, and the terminal is as it was'; }
console__pipeline_body()
{
	tty_setup
	need_busybox
	cat >tty.script <<'EOF'
sleep 1
send q
expect piped from the guest
wait exit:0
termios same
gone
EOF
	# The q is typed while the guest still runs: were the terminal the
	# console's, the vkernel would read it and less would wait forever.
	env -i TERM=xterm PATH=/usr/bin:/bin HOME="$PWD" LANG=C \
	    ${VKERNEL_PAGING:+VKERNEL_PAGING=$VKERNEL_PAGING} \
	    "$drv" -t 60 -l vk.log -f tty.script sh -c \
	    "$vk -r / /bin/busybox sh -c 'echo piped from the guest; sleep 3' | less" \
	    >vk.out 2>vk.err ||
	    atf_fail "under vkernel: $(cat vk.err)"
}

atf_test_case termios__exit
termios__exit_head() { atf_set descr 'After the shell (and vkernel) exits no process is left in its session, and the terminal modes and size are byte for byte the first ones'; }
termios__exit_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
send exit\r
wait exit:0
gone
termios same
EOF
	tty_both $BASH
}

# termios_signal SIG: SIG to the command (bash natively, vkernel) while bash
# waits in readline; it ends and the terminal is as it was at the start.
# Interactive bash ignores SIGTERM: a trap makes it leave natively.
termios_signal()
{
	tty_setup
	cat >tty.script <<EOF
expect P> \$
send trap 'exit 143' TERM\\r
expect P> \$
sleep 0.5
signal $1
wait
gone
termios same
EOF
	tty_both $BASH
}

atf_test_case termios__sigterm
termios__sigterm_head() { atf_set descr 'SIGTERM to the command (bash natively, vkernel) while bash waits in readline: it ends, leaves no process, and the terminal modes are restored'; }
termios__sigterm_body() { termios_signal TERM; }

atf_test_case termios__sighup
termios__sighup_head() { atf_set descr 'SIGHUP to the command (bash natively, vkernel) while bash waits in readline: it ends, leaves no process, and the terminal modes are restored'; }
termios__sighup_body() { termios_signal HUP; }

atf_test_case bash__hangup
bash__hangup_head() { atf_set descr 'The terminal goes away (the master is closed): the command (bash natively, vkernel) gets SIGHUP and ends, leaving no process in its session'; }
bash__hangup_body()
{
	tty_setup
	cat >tty.script <<'EOF'
expect P> $
close
wait
gone
EOF
	tty_both $BASH
}

# pty_check SIZE CMD [ARG...]: CMD runs `tty; stty size` on a pty of its own
# (a guest pty under vkernel): a pty name, then SIZE (a regex); the screens
# natively and under vkernel are the same but for pty numbers.
pty_check()
{
	tty_setup
	[ -x "$2" ] || atf_skip "no $2 on this host"
	cat >tty.script <<EOF
expect ^/dev/pts/[0-9]+\\r\\n
expect ^$1\\r\\n
wait exit:0
termios same
EOF
	shift
	tty_both "$@"
	tty_same_logs
}

atf_test_case pty__script
pty__script_head() { atf_set descr 'script -qc on a pseudo-terminal of its own (a guest pty under vkernel): tty and stty size print as natively'; }
pty__script_body()
{
	pty_check '24 80' /usr/bin/script -qc 'tty; stty size' /dev/null
}

# Python 3.11's pty.spawn gives the pty no window size (0 0 natively).
atf_test_case pty__python
pty__python_head() { atf_set descr "Python's pty.spawn runs sh on a pseudo-terminal (a guest pty under vkernel): tty and stty size print as natively"; }
pty__python_body()
{
	pty_check '[0-9]+ [0-9]+' /usr/bin/python3 -c \
	    'import pty; pty.spawn(["/bin/sh", "-c", "tty; stty size"])'
}

atf_init_test_cases()
{
	atf_add_test_case driver__self
	atf_add_test_case bash__tty
	atf_add_test_case bash__stty_size
	atf_add_test_case bash__ctrl_c
	atf_add_test_case bash__ctrl_z_bg_fg
	atf_add_test_case bash__kill_job
	atf_add_test_case bash__sigttin
	atf_add_test_case bash__sigttou
	atf_add_test_case bash__ctrl_backslash
	atf_add_test_case bash__line_editing
	atf_add_test_case bash__history
	atf_add_test_case bash__stty_a
	atf_add_test_case bash__eof
	atf_add_test_case less__file
	atf_add_test_case busybox__vi
	atf_add_test_case vim__tiny
	atf_add_test_case top__screen
	atf_add_test_case busybox__job_control
	atf_add_test_case console__pipeline
	atf_add_test_case termios__exit
	atf_add_test_case termios__sigterm
	atf_add_test_case termios__sighup
	atf_add_test_case bash__hangup
	atf_add_test_case pty__script
	atf_add_test_case pty__python
}
