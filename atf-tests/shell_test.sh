#!/usr/bin/env atf-sh
# shell_test.sh: busybox sh (static, applets run by exec of /proc/self/exe) runs pipelines, substitutions, subshells, here-documents, jobs, traps and our guests under the vkernel as natively; no script opens a file.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# bb_check STATUS OUTPUT: `busybox sh -c SCRIPT sh GUESTS`, SCRIPT read from
# stdin and $1 in it the guests directory, ends with STATUS (exit:N, or
# signal:N natively and exit:128+N for the vkernel) printing exactly OUTPUT
# (with \n escapes), natively and then under vkernel -v, whose other stderr
# lines must be the shell's native stderr, and which gives every page back.
bb_check()
{
	vk_setup
	[ -x /bin/busybox ] ||
	    atf_fail "no /bin/busybox: install busybox-static"
	bb_script=$(cat)
	bb_vkst=$1
	case $1 in
	signal:*) bb_vkst=exit:$((128 + ${1#signal:})) ;;
	esac
	atf_check -s $1 -o inline:"$2" -e save:native.err \
	    timeout 60 /bin/busybox sh -c "$bb_script" sh "$gdir"
	atf_check -s $bb_vkst -o inline:"$2" -e save:vk.err \
	    timeout 120 "$vk" -v -m 128m /bin/busybox sh -c "$bb_script" sh \
	    "$gdir"
	grep -v '^vkernel: ' vk.err >shell.err
	if [ -n "${bb_racy:-}" ]; then
		# A line the shell prints or not as timing has it, natively too.
		grep -v -x "$bb_racy" native.err >native.kept
		mv native.kept native.err
		grep -v -x "$bb_racy" shell.err >shell.kept
		mv shell.kept shell.err
	fi
	atf_check -o file:native.err cat shell.err
	pages_back vk.err
}

bb_cases=""

# bb_case NAME DESCRIPTION: declares the test case NAME; NAME_body follows.
bb_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$2'; }"
	bb_cases="$bb_cases $1"
}

bb_case pipeline__sort_head "A four-stage pipeline of applets: echo | tr | sort -r | head"
pipeline__sort_head_body()
{
	bb_check exit:0 'c\nb\n' <<'EOF'
echo a b c | tr ' ' '\n' | sort -r | head -n 2
EOF
}

bb_case pipeline__status "The status of a pipeline is that of its last command; ! negates it"
pipeline__status_body()
{
	bb_check exit:0 '1\n0\n1\n' <<'EOF'
true | false; echo $?
false | true; echo $?
! true; echo $?
EOF
}

bb_case pipeline__long "1000 lines from a shell loop through cat to wc"
pipeline__long_body()
{
	bb_check exit:0 '1000\n' <<'EOF'
i=0
while [ $i -lt 1000 ]; do echo line $i; i=$((i + 1)); done | cat | wc -l
EOF
}

bb_case subst__nested "Command substitution, nested, in arithmetic and with backquotes"
subst__nested_body()
{
	bb_check exit:0 'hi <HI>\n42\nold\n' <<'EOF'
a=$(echo hi)
b=$(echo "<$(echo $a | tr a-z A-Z)>")
echo "$a $b"
echo $(( $(echo 6) * 7 ))
echo `echo old`
EOF
}

bb_case subshell__status "The exit status of a subshell reaches the parent, its variables do not"
subshell__status_body()
{
	bb_check exit:0 '3\nin\n5\n1\n' <<'EOF'
(exit 3); echo $?
(echo in; exit 5); echo $?
x=1; (x=2); echo $x
EOF
}

bb_case subshell__cd_pwd "cd in a subshell leaves the directory of the parent alone"
subshell__cd_pwd_body()
{
	bb_check exit:0 '/\n/usr\n/\n' <<'EOF'
cd / && pwd && (cd /usr && pwd) && pwd
EOF
}

bb_case read__pipe_heredoc "while read loops fed by a pipe and by a here-document"
read__pipe_heredoc_body()
{
	bb_check exit:0 '1=a\n2=b\n3=c\nx:1\ny:5\n' <<'EOF'
printf 'a 1\nb 2\nc 3\n' | while read k v; do echo "$v=$k"; done
n=5
while read k v; do echo "$k:$v"; done <<END
x 1
y $n
END
EOF
}

bb_case heredoc__expansion "Here-documents: expanded, quoted, <<- with tabs, piped, and one larger than a pipe"
heredoc__expansion_body()
{
	out='n=5 sub 6\nn=$n $(echo sub)\ntabbed 5\nCBA 3 2 1\n108895\n'
	bb_check exit:0 "$out" <<'EOF'
n=5
cat <<END
n=$n $(echo sub) $((n + 1))
END
cat <<'END'
n=$n $(echo sub)
END
cat <<-END
	tabbed $n
	END
tr a-z A-Z <<END | rev
$(seq 3 | tr '\n' ' ')abc
END
big=$(seq 1 20000 | tr '\n' ' ')
cat <<END | wc -c
$big
END
EOF
}

bb_case jobs__background "A background job, its pid, wait for its status; a killed job is 143 (ash says Terminated if the job was reaped before the wait: natively on two CPUs it often is not, so that line is not compared)"
jobs__background_body()
{
	bb_racy=Terminated bb_check exit:0 'started\n0\n4\n143\n' <<'EOF'
sleep 0.3 & p=$!
echo started
wait $p; echo $?
(exit 4) & wait $!; echo $?
sleep 5 & p=$!
kill $p; wait $p; echo $?
EOF
}

bb_case jobs__several "Three background jobs and a bare wait for all of them"
jobs__several_body()
{
	bb_check exit:0 'all\njob1\njob2\njob3\n' <<'EOF'
{
	for i in 1 2 3; do (sleep 0.$i; echo job$i) & done
	wait
	echo all
} | sort
EOF
}

bb_case trap__usr1 "trap runs for a SIGUSR1 the shell sends itself, and the script goes on"
trap__usr1_body()
{
	bb_check exit:0 'got USR1\nafter\n' <<'EOF'
trap 'echo got USR1' USR1
kill -USR1 $$
echo after
EOF
}

bb_case trap__exit "An EXIT trap runs at exit and keeps the exit status"
trap__exit_body()
{
	bb_check exit:3 'hi\nbye\n' <<'EOF'
trap 'echo bye' EXIT
echo hi
exit 3
EOF
}

bb_case signal__term_self "kill -TERM of itself without a trap ends the shell: status 143"
signal__term_self_body()
{
	bb_check signal:15 'before\n' <<'EOF'
echo before
kill -TERM $$
echo after
EOF
}

bb_case exit__status "exit 7 is the status of the shell"
exit__status_body()
{
	bb_check exit:7 '' <<'EOF'
exit 7
EOF
}

bb_case nested__sh "A shell in a shell in a shell passes exit statuses up"
nested__sh_body()
{
	bb_check exit:0 'inner 5\nouter 0\n' <<'EOF'
sh -c 'sh -c "exit 5"; echo inner $?'; echo outer $?
EOF
}

bb_case loop__200_processes "200 command substitutions in a row, each a process"
loop__200_processes_body()
{
	bb_check exit:0 '199\n' <<'EOF'
i=0
while [ $i -lt 200 ]; do x=$(echo $i); i=$((i + 1)); done
echo $x
EOF
}

bb_case xargs__exec "xargs runs an applet per pair of arguments"
xargs__exec_body()
{
	bb_check exit:0 '1 2\n3 4\n5\n' <<'EOF'
seq 1 5 | xargs -n 2 echo
EOF
}

bb_case guest__50_runs "The shell runs a static musl guest by absolute path 50 times"
guest__50_runs_body()
{
	bb_check exit:0 '50\nn49\n' <<'EOF'
out=$(i=0; while [ $i -lt 50 ]; do "$1/hello-musl" n$i; i=$((i + 1)); done)
echo "$out" | grep -c 'hello from the guest'
echo "$out" | tail -n 1
EOF
}

bb_case guest__pipeline "Our glibc and musl guests in pipelines with applets"
guest__pipeline_body()
{
	bb_check exit:0 'ONE\nTWO\na-b c\n' <<'EOF'
"$1/hello-glibc" one two | sed -n 2,3p | tr a-z A-Z
"$1/procs-musl" echo "$1/procs-musl" a "b c" | tr '|' -
EOF
}

bb_case guest__exec "exec replaces the shell with a guest"
guest__exec_body()
{
	bb_check exit:0 'hello from the guest\nreplaced\n' <<'EOF'
exec "$1/hello-musl" replaced
echo not reached
EOF
}

bb_case limits__oom_child "A child that runs out of guest memory is killed (137) with one line, and the shell carries on"
limits__oom_child_body()
{
	need_guest oom-musl
	atf_check -s exit:0 -o inline:"after 137\nstill here\n" -e save:vk.err \
	    timeout 120 "$vk" -v -m 32m /bin/busybox sh -c \
	    '"$1/oom-musl" 64; echo after $?; echo still here' sh "$gdir"
	atf_check -o inline:"1\n" grep -c "out of guest memory (-m 32m)" vk.err
	pages_back vk.err
}

bb_case limits__orphans_end "When pid 1 ends, its background jobs are killed at once and no host process is left"
limits__orphans_end_body()
{
	vk_setup
	start=$(date +%s)
	atf_check -s exit:0 -o inline:"bye\n" -e save:vk.err \
	    timeout 60 setsid -w sh -c 'echo $$ >sid; exec "$@"' sh \
	    "$vk" -v /bin/busybox sh -c \
	    'sleep 100 & sleep 100 & (sleep 100; echo never) & echo bye'
	[ $(($(date +%s) - start)) -lt 30 ] ||
	    atf_fail "vkernel waited for its background jobs"
	pages_back vk.err
	leftovers_check "$(cat sid)" "busybox sh -c sleep 100"
}

atf_init_test_cases()
{
	for c in $bb_cases; do
		atf_add_test_case $c
	done
}
