#!/usr/bin/env atf-sh
# ipc_test.sh: System V semaphores, message queues and shared memory, and POSIX message queues, behave as on Linux and stay private to one vkernel (the sysvipc and mqueue guests, run natively first with the same expectations; util-linux's ipcs, ipcmk and ipcrm).

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

guest_case sem__ops_waits_errors sysvipc sem \
    "semget (keys, IPC_CREAT|IPC_EXCL, nsems bounds), semctl (GETVAL/SETVAL/GETALL/SETALL/GETPID, IPC_STAT/IPC_SET, IPC_INFO/SEM_INFO/SEM_STAT, ERANGE), semop atomicity across two semaphores, IPC_NOWAIT EAGAIN, wait-for-zero, ERANGE, EFBIG, E2BIG and EINVAL for nsops (an unsigned int), EFAULT, bad ids, EACCES/EPERM as nobody; a child blocked until posts (GETNCNT, GETZCNT), semtimedop timing out after its time, EINTR even with SA_RESTART, IPC_RMID waking a sleeper with EIDRM"
guest_case sem__undo_exit_fork_threads sysvipc semundo \
    "SEM_UNDO: applied when a child exits, not when its own fork child exits (not inherited), shared with a thread (applied only at the process end), cleared by SETVAL, applied after SIGKILL"
guest_case msg__types_waits_rmid sysvipc msg \
    "msgsnd/msgrcv: type 0, >0, <0 (lowest first), MSG_EXCEPT, MSG_NOERROR, E2BIG (the message stays), ENOMSG, EINVAL for type 0, sizes past MSGMAX or negative, EFAULT both ways; IPC_STAT counts and pids, IPC_SET msg_qbytes, a full queue EAGAIN and a sender blocked until a receive, a receiver blocked until its type comes, EIDRM to a blocked receiver and a blocked sender, EINTR, IPC_INFO, MSG_STAT"
guest_case shm__fork_exec_rmid sysvipc shm \
    "shmget/shmat: zero-filled, shared with a fork child both ways, nattch counts (fork, exec detaches, exit), SHM_RDONLY writes SIGSEGV, shmdt by the attach address only (EINVAL inside or twice), SHM_RND, EINVAL for a taken range unless SHM_REMAP (and SHM_REMAP without an address), an attach split by mprotect counting twice and shmdt taking both pieces, a shared futex between two attaches at two addresses, IPC_RMID while attached (SHM_DEST, key 0, still usable, gone with the last detach), keys and sizes (EINVAL past SHMMAX or the segment), EACCES/EPERM as nobody, SHM_STAT, IPC_INFO"
guest_case proc__sysvipc_limits sysvipc proc \
    "/proc/sysvipc/{sem,msg,shm} list the objects made with their keys, modes, sizes, pids and counts in the columns of Linux; /proc/sys/kernel/{sem,msgmax,msgmnb,msgmni,shmmni} say what IPC_INFO says; the objects leave the files with IPC_RMID"

guest_case mq__open_send_receive mqueue basic \
    "mq_open (O_CREAT, O_EXCL, default and given attributes, access modes, EEXIST, ENOENT, EINVAL attributes, names with a slash, empty or too long, EFAULT), priorities (highest first, FIFO within one), EMSGSIZE both ways, EINVAL priority, EBADF, EFAULT, O_NONBLOCK EAGAIN both ways through mq_setattr, mq_unlink (the queue lives on while open, a new one takes the name), EACCES as nobody"
guest_case mq__waits_poll_notify mqueue wait \
    "poll and epoll on a queue (POLLOUT empty, POLLIN with a message, POLLIN only when full), a receiver blocked until a child sends, a sender blocked on a full queue until a receive, mq_timedsend ETIMEDOUT after its time, a time passed, EINVAL timeout, EINTR, mq_notify SIGEV_SIGNAL once with SI_MESGQ, the value and the sender pid, EBUSY for another process, removal, EINVAL signal, EFAULT"
guest_case mq__limits_rlimit mqueue limits \
    "/proc/sys/fs/mqueue/{msg_max,msgsize_max,queues_max}; RLIMIT_MSGQUEUE bounds the bytes the queues of a user may hold (EMFILE), an unlinked queue counting while it is open"

atf_test_case ipcs__util_linux
ipcs__util_linux_head()
{
	atf_set "descr" "Debian's ipcs -l shows the vkernel's limits; ipcmk makes a segment, an array and a queue that ipcs lists; ipcrm -a removes them"
}
ipcs__util_linux_body()
{
	vk_setup
	[ -x /usr/bin/ipcs ] && [ -x /usr/bin/ipcmk ] ||
	    atf_fail "util-linux's ipcs and ipcmk are not installed"
	atf_check -s exit:0 -o save:limits.out -e empty \
	    timeout 60 "$vk" -m 64m /usr/bin/ipcs -l
	has_line limits.out "max semaphores per array = 32000"
	has_line limits.out "max semaphores system wide = 1024000"
	has_line limits.out "max ops per semop call = 500"
	has_line limits.out "max size of message (bytes) = 8192"
	has_line limits.out "max number of segments = 4096"
	atf_check -s exit:0 -o save:made.out -e empty \
	    timeout 60 "$vk" -m 64m /bin/sh -c \
	    'ipcmk -M 8192 && ipcmk -S 3 && ipcmk -Q && ipcs &&
	     ipcrm -a && echo removed && ipcs'
	# Before "removed": one of each; after: none.
	sed -n '1,/^removed$/p' made.out >before.out
	sed -n '/^removed$/,$p' made.out >after.out
	grep -Eq '^0x[0-9a-f]+ +0 +root +644 +8192 +0' before.out ||
	    atf_fail "no segment: $(cat made.out)"
	grep -Eq '^0x[0-9a-f]+ +0 +root +644 +3 *$' before.out ||
	    atf_fail "no array: $(cat made.out)"
	grep -Eq '^0x[0-9a-f]+ +0 +root +644 +0 +0 *$' before.out ||
	    atf_fail "no queue: $(cat made.out)"
	grep -Eq '^0x' after.out && atf_fail "left after ipcrm: $(cat made.out)"
	true
}

atf_test_case isolation__second_vkernel
isolation__second_vkernel_head()
{
	atf_set "descr" "System V objects one vkernel holds by a key, and a POSIX queue by its name, are not seen by a second vkernel started meanwhile, nor by the host (ipcs, and the guests run natively), and nothing is on the host after the first is killed with SIGKILL"
}
isolation__second_vkernel_body()
{
	need_guest sysvipc-glibc
	need_guest mqueue-glibc
	key=$(( 0x5f000000 + ($$ & 0xffff) ))
	hex=$(printf '0x%08x' $key)
	start_holder hold.out "$vk" -m 64m "$gdir/sysvipc-glibc" hold $key
	atf_check -s exit:0 -o inline:"absent ok: 3 checks\n" -e empty \
	    timeout 60 "$vk" -m 64m "$gdir/sysvipc-glibc" absent $key
	atf_check -s exit:0 -o inline:"absent ok: 3 checks\n" -e empty \
	    timeout 60 "$vk" -m 64m "$gdir/sysvipc-musl" absent $key
	if [ -x /usr/bin/ipcs ]; then
		ipcs -a | grep -i "$hex" && atf_fail "the host sees $hex"
	fi
	atf_check -s exit:0 -o inline:"absent ok: 3 checks\n" -e empty \
	    "$gdir/sysvipc-glibc" absent $key
	# A POSIX queue the same way.
	name=/vkhold-$$
	start_holder mqhold.out "$vk" -m 64m "$gdir/mqueue-glibc" hold $name
	atf_check -s exit:0 -o inline:"absent ok: 2 checks\n" -e empty \
	    timeout 60 "$vk" -m 64m "$gdir/mqueue-musl" absent $name
	atf_check -s exit:0 -o inline:"absent ok: 2 checks\n" -e empty \
	    "$gdir/mqueue-glibc" absent $name
	mqpid=$(pgrep -f "vkernel -m 64m .*mqueue-glibc hold $name" | head -1)
	[ -n "$mqpid" ] || atf_fail "no queue holder"
	mqsid=$(ps -o sid= -p $mqpid | tr -d ' ')
	kill -KILL $mqpid
	pid=$(pgrep -f "vkernel -m 64m .*sysvipc-glibc hold $key" | head -1)
	[ -n "$pid" ] || atf_fail "no holder"
	sid=$(ps -o sid= -p $pid | tr -d ' ')
	kill -KILL $pid
	wait
	leftovers_check "$sid" "sysvipc-glibc hold $key"
	leftovers_check "$mqsid" "mqueue-glibc hold $name"
	atf_check -s exit:0 -o inline:"absent ok: 2 checks\n" -e empty \
	    "$gdir/mqueue-glibc" absent $name
	if [ -x /usr/bin/ipcs ]; then
		ipcs -a | grep -i "$hex" && atf_fail "left on the host: $hex"
	fi
	true
}

atf_test_case hostile__random_arguments
hostile__random_arguments_head()
{
	atf_set "descr" "200000 System V IPC and POSIX queue calls with random ids, commands, sizes, flags and pointers (four seeds, -n 1 and -n 2, under the poisoning malloc): the vkernel answers every one, the guest ends, and every page comes back"
}
hostile__random_arguments_body()
{
	need_guest sysvipc-glibc
	for seed in 1 2 3 4; do
		atf_check -s exit:0 -o inline:"fuzz ok: 1 checks\n" \
		    -e save:fuzz.err env GLIBC_TUNABLES=glibc.malloc.perturb=165 \
		    timeout 120 "$vk" -v -n $(( seed % 2 + 1 )) -m 64m \
		    "$gdir/sysvipc-glibc" fuzz $seed
		pages_back fuzz.err
	done
}

atf_test_case budget__hoarding
budget__hoarding_head()
{
	atf_set "descr" "At -m 16m, semaphore arrays of 32000 until SEMMNS (ENOSPC), 1 GiB segments until SHMMNI (ENOSPC), message queues filled with 8 KiB messages until the kernel memory budget (ENOMEM), POSIX queues filled until queues_max (ENOSPC): each refused with an errno, every page back, and the vkernel resident size under the bound of design.md"
}
budget__hoarding_body()
{
	for v in glibc musl; do
		need_guest sysvipc-$v
		atf_check -s exit:0 -o save:out -e save:err \
		    /usr/bin/time -o time.out -f 'rss %M' \
		    timeout 300 "$vk" -v -m 16m "$gdir/sysvipc-$v" hoard
		cat out
		has_line out "hoard sem: 32 arrays, stopped by ENOSPC"
		has_line out "hoard shm: 4096 segments, stopped by ENOSPC"
		grep -Eq '^hoard msg: [0-9]+ queues, [0-9]+ bytes, stopped by ENOMEM$' out ||
		    atf_fail "message queues not stopped by ENOMEM: $(cat out)"
		has_line out "hoard mq: 256 queues, 262144 bytes, stopped by ENOSPC"
		has_line out "hoard ok: 1 checks"
		pages_back err
		rss_check time.out 16
	done
}

atf_test_case leak__freed_at_exit
leak__freed_at_exit_head()
{
	atf_set "descr" "Objects left at exit (a 1 MiB segment with its pages, queued messages, a pending SEM_UNDO, a sleeper in semop killed; POSIX queues with messages, named or unlinked and open) are freed when the vkernel ends: every page back and the kernel memory that of a program that made none"
}
leak__freed_at_exit_body()
{
	need_guest sysvipc-glibc
	atf_check -s exit:0 -o ignore -e save:hello.err \
	    timeout 60 "$vk" -v -m 64m "$gdir/hello-glibc"
	for v in glibc musl; do
		atf_check -s exit:0 -o inline:"leave ok: 3 checks\n" \
		    -e save:leave.err timeout 60 "$vk" -v -m 64m \
		    "$gdir/sysvipc-$v" leave
		pages_back leave.err
		kmem_back hello.err leave.err
		atf_check -s exit:0 -o inline:"leave ok: 3 checks\n" \
		    -e save:mqleave.err timeout 60 "$vk" -v -m 64m \
		    "$gdir/mqueue-$v" leave
		kmem_back hello.err mqleave.err
	done
}

atf_init_test_cases()
{
	atf_add_test_case sem__ops_waits_errors
	atf_add_test_case sem__undo_exit_fork_threads
	atf_add_test_case msg__types_waits_rmid
	atf_add_test_case shm__fork_exec_rmid
	atf_add_test_case proc__sysvipc_limits
	atf_add_test_case mq__open_send_receive
	atf_add_test_case mq__waits_poll_notify
	atf_add_test_case mq__limits_rlimit
	atf_add_test_case ipcs__util_linux
	atf_add_test_case isolation__second_vkernel
	atf_add_test_case hostile__random_arguments
	atf_add_test_case budget__hoarding
	atf_add_test_case leak__freed_at_exit
}
