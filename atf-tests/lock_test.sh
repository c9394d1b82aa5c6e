#!/usr/bin/env atf-sh
# lock_test.sh: fcntl's POSIX record locks are per process as on Linux (not inherited, one owner per descriptor table, dropped at any close of the file, l_pid, merges, waits, deadlocks) and meet OFD locks, flock, host processes and other vkernels as on Linux (locks guest, both libcs, natively first).

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# flat FILE...: the files' lines as one line (atf_fail takes one).
flat()
{
	cat "$@" | tr '\n' ' '
}

# lk_one LIBC MODE: `locks-LIBC MODE DIR` prints under vkernel -v exactly
# what it prints natively, ending with "MODE ok: N checks", each in a
# fresh directory.  The vkernel's malloc poisons what it frees, so a lock
# table entry used after it went crashes it rather than working by luck.
lk_one()
{
	need_guest locks-$1
	lo_g="$gdir/locks-$1"
	rm -rf "$PWD/n" "$PWD/v"
	mkdir "$PWD/n" "$PWD/v"
	timeout 60 "$lo_g" "$2" "$PWD/n" >native.out 2>native.err ||
	    atf_fail "natively: $(flat native.out native.err)"
	tail -n 1 native.out | grep -Eqx "$2 ok: [0-9]+ checks" ||
	    atf_fail "natively: $(flat native.out)"
	atf_check -s exit:0 -o file:native.out -e save:vk.err \
	    env GLIBC_TUNABLES=glibc.malloc.perturb=165 \
	    timeout 120 "$vk" -v -m 64m "$lo_g" "$2" "$PWD/v"
	pages_back vk.err
}

# lk_case NAME MODE DESCRIPTION: the test case NAME, lk_one MODE with
# glibc and with musl.
lk_case()
{
	atf_test_case $1
	eval "$1_descr=\$3"
	eval "$1_head() { atf_set descr \"\$$1_descr\"; }"
	eval "$1_body() { lk_one glibc $2; lk_one musl $2; }"
}

lk_case posix__fork_not_inherited fork \
    "A fork child does not inherit its parent's lock (not even through the inherited descriptor): it conflicts, F_GETLK names the parent's pid, the child's close leaves the parent's lock, and the child locks once the parent unlocks; its exit drops its locks"
lk_case posix__one_owner owner \
    "A process's locks through two descriptors of one file do not conflict and all go when it closes either (close, a dup, dup2 over one, close_range; not CLOSE_RANGE_CLOEXEC); a CLONE_FILES sharer is the same owner and its locks outlive it until the table closes the file"
lk_case posix__merge_split merge \
    "One owner's locks merge, split, upgrade and downgrade (SEEK_SET, SEEK_CUR, SEEK_END, negative and zero lengths, the last byte), as F_GETLK from another process sees them at 18 offsets; EINVAL and EOVERFLOW as Linux"
lk_case posix__random_walk random \
    "400 random F_SETLK requests of two processes (read, write, unlock, to the end of the file, a close of another descriptor) with their answers, and every 8 what each sees of the other by F_GETLK: the same as natively"
lk_case posix__setlkw_wakes wait \
    "F_SETLKW sleeps until the holder unlocks, exits, closes another descriptor of the file, or downgrades to a read lock (a reader waits), and never gets the lock before"
lk_case posix__deadlock deadlock \
    "EDEADLK for the request that closes a cycle of two and of three processes each holding a byte and waiting for the next (F_SETLK says EAGAIN); the others then get their locks"
lk_case posix__close_race closerace \
    "F_SETLKW asleep on a descriptor that a CLONE_FILES sharer closes: the lock granted when the holder lets go is dropped again and the call fails with EBADF, as Linux does"
lk_case posix__signal signal \
    "A signal interrupts F_SETLKW: EINTR without SA_RESTART; restarted with SA_RESTART until the lock is had"
lk_case posix__access access \
    "F_RDLCK needs a readable descriptor and F_WRLCK a writable one (EBADF), F_UNLCK and F_GETLK neither; O_PATH and bad descriptors are EBADF"
lk_case posix__ofd_flock ofd \
    "OFD locks conflict with POSIX locks of the same process (even on one descriptor) and of another, whose F_OFD_GETLK names the POSIX holder's pid; F_GETLK says -1 for an OFD holder; F_OFD_SETLKW waits for a POSIX lock; flock is separate"
lk_case posix__exec_cloexec exec \
    "exec keeps the process's locks but drops those on a file one of whose descriptors was close-on-exec"

# wait_line FILE TEXT: waits (up to 30 s) until FILE has the line TEXT.
wait_line()
{
	wl_i=0
	while ! grep -qxF "$2" "$1"; do
		wl_i=$((wl_i + 1))
		[ $wl_i -lt 300 ] || atf_fail "no '$2' in $1: $(flat "$1")"
		sleep 0.1
	done
}

# pair HOLDER PROBE: runs the command line HOLDER (it takes its locks,
# prints "held" and keeps them until its stdin ends), then PROBE (it
# checks what it cannot lock, prints "waiting" and waits in F_SETLKW);
# 300 ms into that wait the holder is let go, and both must exit 0 with
# their ok line.
pair()
{
	rm -f ctl hold.out probe.out
	mkfifo ctl
	eval "$1" <ctl >hold.out 2>hold.err &
	pa_h=$!
	exec 3>ctl
	wait_line hold.out held
	eval "$2" >probe.out 2>probe.err 3>&- &
	pa_p=$!
	wait_line probe.out waiting
	sleep 0.3
	exec 3>&-
	wait $pa_h || atf_fail "holder $1: exit $?: $(flat hold.out hold.err)"
	wait $pa_p || atf_fail "probe $2: exit $?: $(flat probe.out probe.err)"
	grep -Eq '^hold2? ok: [0-9]+ checks$' hold.out ||
	    atf_fail "holder: $(flat hold.out)"
	grep -Eq '^probe ok: [0-9]+ checks$' probe.out ||
	    atf_fail "probe: $(flat probe.out)"
	echo "$1 / $2: ok"
}

atf_test_case hostile__lock_records
hostile__lock_records_head()
{
	atf_set descr "Under vkernel only (Linux has no such bound): a guest taking 20000 one-byte locks gets ENOLCK past the 8192 lock records of a vkernel; unlocking half lets another process take that many; a close drops the rest promptly and the file is free"
}
hostile__lock_records_body()
{
	for v in glibc musl; do
		need_guest locks-$v
		rm -rf "$PWD/v"
		mkdir "$PWD/v"
		atf_check -s exit:0 -o inline:"locks: 8192, then ENOLCK\nthe other process: 4096 read locks\nit sees: W 2+1 by the first\nmany ok: 4098 checks\n" \
		    -e save:vk.err timeout 60 "$vk" -v -m 64m \
		    "$gdir/locks-$v" many "$PWD/v"
		pages_back vk.err
	done
}

atf_test_case host__holder_outside
host__holder_outside_head()
{
	atf_set descr "A host process's fcntl lock on a file beneath the -r root: the guest's F_SETLK is EAGAIN, F_GETLK says it with l_pid -1 (natively: the holder's pid), and F_SETLKW waits until the holder is gone"
}
host__holder_outside_body()
{
	for v in glibc musl; do
		need_guest locks-$v
		g="$gdir/locks-$v"
		rm -rf root
		mkdir -p root/d
		cp "$g" root/locks
		pair "'$g' hold '$PWD/root/d'" "'$g' probe '$PWD/root/d' W pid"
		pair "'$g' hold '$PWD/root/d'" \
		    "'$vk' -m 64m -r root /locks probe /d W -1"
	done
}

atf_test_case host__guest_holder
host__guest_holder_head()
{
	atf_set descr "The guests' locks are held on the host: a host process cannot take what a guest holds (F_GETLK l_pid -1), sees the union of two guests' read locks after one of them unlocked and a downgrade, and gets its lock once the vkernel's guests are gone"
}
host__guest_holder_body()
{
	for v in glibc musl; do
		need_guest locks-$v
		g="$gdir/locks-$v"
		rm -rf d
		mkdir d
		pair "'$g' hold2 '$PWD/d'" "'$g' probe '$PWD/d' R pid"
		pair "'$vk' -m 64m '$g' hold '$PWD/d'" "'$g' probe '$PWD/d' W -1"
		pair "'$vk' -m 64m '$g' hold2 '$PWD/d'" \
		    "'$g' probe '$PWD/d' R -1"
	done
}

atf_test_case host__two_vkernels
host__two_vkernels_head()
{
	atf_set descr "Two vkernels lock the same file against each other: a write lock, and the read locks left after an unlock and a downgrade"
}
host__two_vkernels_body()
{
	for v in glibc musl; do
		need_guest locks-$v
		g="$gdir/locks-$v"
		rm -rf d
		mkdir d
		pair "'$vk' -m 64m '$g' hold '$PWD/d'" \
		    "'$vk' -m 64m '$g' probe '$PWD/d' W -1"
		pair "'$vk' -m 64m '$g' hold2 '$PWD/d'" \
		    "'$vk' -m 64m '$g' probe '$PWD/d' R -1"
	done
}

atf_test_case host__flock
host__flock_head()
{
	atf_set descr "While flock -x holds a file on the host, the guest's flock LOCK_NB is EWOULDBLOCK as before and its fcntl lock is granted (another kind of lock), natively and under vkernel"
}
host__flock_body()
{
	for v in glibc musl; do
		need_guest locks-$v
		g="$gdir/locks-$v"
		rm -rf d ctl
		mkdir d
		: >d/shared
		mkfifo ctl
		flock -x d/shared cat ctl &
		fp=$!
		exec 3>ctl
		while flock -n d/shared true; do sleep 0.1; done
		atf_check -s exit:0 -o match:"^hostflock ok: 2 checks$" \
		    -e empty "$g" hostflock "$PWD/d"
		atf_check -s exit:0 -o match:"^hostflock ok: 2 checks$" \
		    -e empty "$vk" -m 64m "$g" hostflock "$PWD/d"
		exec 3>&-
		wait $fp
	done
}

atf_test_case host__descriptor_per_file
host__descriptor_per_file_head()
{
	atf_set descr "The vkernel holds one host description per locked file while a guest lock exists on it, and closes it when the last lock goes (unlock, or a close of any descriptor of the file)"
}
host__descriptor_per_file_body()
{
	need_guest locks-glibc
	rm -rf d ctl
	mkdir d
	mkfifo ctl
	"$vk" -m 64m "$gdir/locks-glibc" lockfds "$PWD/d" <ctl >vk.out \
	    2>vk.err &
	pid=$!
	exec 3>ctl
	counts=""
	for step in open locked unlocked relocked closed; do
		wait_line vk.out $step
		counts="$counts $step=$(ls /proc/$pid/fd | wc -l)"
		echo >&3
	done
	exec 3>&-
	wait $pid || atf_fail "vkernel exited $?: $(flat vk.out vk.err)"
	grep -q "^lockfds ok: [0-9]* checks" vk.out ||
	    atf_fail "guest: $(flat vk.out)"
	echo "host descriptors:$counts"
	set -- $counts
	base=${1#open=}
	[ "$counts" = " open=$base locked=$((base + 1)) unlocked=$base relocked=$((base + 1)) closed=$base" ] ||
	    atf_fail "host descriptors:$counts"
}

atf_init_test_cases()
{
	atf_add_test_case posix__fork_not_inherited
	atf_add_test_case posix__one_owner
	atf_add_test_case posix__merge_split
	atf_add_test_case posix__random_walk
	atf_add_test_case posix__setlkw_wakes
	atf_add_test_case posix__deadlock
	atf_add_test_case posix__close_race
	atf_add_test_case posix__signal
	atf_add_test_case posix__access
	atf_add_test_case posix__ofd_flock
	atf_add_test_case posix__exec_cloexec
	atf_add_test_case hostile__lock_records
	atf_add_test_case host__holder_outside
	atf_add_test_case host__guest_holder
	atf_add_test_case host__two_vkernels
	atf_add_test_case host__flock
	atf_add_test_case host__descriptor_per_file
}
