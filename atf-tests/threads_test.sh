#!/usr/bin/env atf-sh
# threads_test.sh: guest threads (CLONE_THREAD) as programs use them, with glibc and musl, at -n 1 and -n 2: each mode of the threads guest runs natively first and must say the same under vkernel -v, which must give every page back; the stale-translation stress test; Debian's threaded programs against native.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# thr_one LIBC NCPUS MODE STATUS OUT: `threads-LIBC MODE` exits STATUS with
# the one line OUT (an ERE), natively and under `vkernel -n NCPUS`.
thr_one()
{
	need_guest threads-$1
	atf_check -s exit:$4 -o save:native.out -e ignore \
	    timeout 60 "$gdir/threads-$1" "$3"
	only_line native.out "$5"
	atf_check -s exit:$4 -o save:vk.out -e save:vk.err \
	    timeout 120 "$vk" -v -n "$2" -m 128m "$gdir/threads-$1" "$3"
	only_line vk.out "$5"
	pages_back vk.err >/dev/null
}

# thr_case NAME MODE STATUS OUT DESCRIPTION: the test case NAME runs thr_one
# with both C libraries at -n 1 and -n 2.
thr_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$5'; }"
	eval "$1_body() { for l in glibc musl; do for n in 1 2; do
	    thr_one \$l \$n $2 $3 '$4'; done; done; }"
}

thr_case pthread__basic basic 0 "^ok basic: 4 threads, counter 80000, rw 12000\$" \
    "Mutex, condition variable, barrier, read-write lock, TLS kept per thread, detached threads, distinct tids under one pid"
thr_case pthread__cancel cancel 0 "^ok cancel\$" \
    "pthread_cancel of a thread blocked in read: it ends at the cancellation point and joins as PTHREAD_CANCELED"
thr_case pthread__robust_owner_dies robust 0 "^ok robust: EOWNERDEAD\$" \
    "A robust mutex whose owner thread ends holding it: the next lock gets EOWNERDEAD (the robust list is walked at thread death), then works again"
thr_case pthread__pi_mutex pi 0 "^ok pi: 8000\$" \
    "A PTHREAD_PRIO_INHERIT mutex (FUTEX_LOCK_PI, UNLOCK_PI, TRYLOCK_PI) contended by four threads counts exactly"
thr_case signal__thread_and_process signal 0 \
    "^ok signal: thread-directed, process-directed, altstack\$" \
    "pthread_kill runs the handler in that thread on its own alternate stack; a signal to the process is taken by a thread that does not block it, or waits pending until one unblocks it"
thr_case exec__from_thread exec 0 "^ok exec: pid [0-9]+ kept, one thread\$" \
    "execve from a thread while another blocks in read: the other threads end, the process keeps its pid and the new image has one thread"
thr_case fork__from_thread fork 0 "^ok fork: one thread in the child\$" \
    "fork from a thread: the child has one thread, its parent is the process, and the thread reaps it"
thr_case exit__thread_while_others_read exitread 0 "^ok exitread\$" \
    "A thread exits (pthread_exit, its value joined) while another blocks in read, which then gets its data"
thr_case exit__group_from_thread exitgroup 3 "^exit from a thread\$" \
    "exit(3) from a thread while two others block in read ends the whole process with status 3"
thr_case exit__leader_first leaderexit 0 "^survivor in [0-9]+\$" \
    "The main thread exits first (pthread_exit): the process lives on in its other thread, which ends it"
thr_case wait__sees_the_process wait 0 "^ok wait: one report, status 7\$" \
    "wait4 on a child with three threads reports one process, once, with its status"
thr_case proc__task_directory proctask 0 "^ok proctask\$" \
    "/proc/self/task lists every thread, /proc/self/status says Threads: 4, /proc/self/task/TID/stat opens, and the list shrinks as they are joined"
atf_test_case limit__eagain
limit__eagain_head()
{
	atf_set descr "Threads are made until pthread_create says EAGAIN (the kernel memory budget: as Linux, the threads a machine can hold follow its memory), then all are joined and threads can be made again (under vkernel only: the host has room for more)"
}
limit__eagain_body()
{
	for l in glibc musl; do
		for n in 1 2; do
			need_guest threads-$l
			atf_check -s exit:0 -o save:vk.out -e save:vk.err \
			    timeout 300 "$vk" -v -n $n -m 32m "$gdir/threads-$l" limit
			only_line vk.out "^ok limit: EAGAIN, then threads again\$"
			grep "threads before EAGAIN" vk.err
			pages_back vk.err >/dev/null
		done
	done
}

atf_test_case cpus__seen_everywhere
cpus__seen_everywhere_head()
{
	atf_set descr "Under -n N the guest sees N CPUs wherever it looks: nproc (sched_getaffinity), getconf (/sys/devices/system/cpu), /proc/cpuinfo, /proc/stat, /sys/devices/system/cpu/online and possible, python3's os.cpu_count"
	atf_set require.progs python3
}
cpus__seen_everywhere_body()
{
	vk_setup
	for n in 1 2 3; do
		list=0
		[ $n -gt 1 ] && list="0-$((n - 1))"
		atf_check -o inline:"$n\n" "$vk" -n $n /usr/bin/nproc
		atf_check -o inline:"$n\n" "$vk" -n $n /usr/bin/getconf _NPROCESSORS_ONLN
		atf_check -o inline:"$n\n" "$vk" -n $n /usr/bin/getconf _NPROCESSORS_CONF
		atf_check -o inline:"$n\n" "$vk" -n $n /bin/grep -c "^processor" /proc/cpuinfo
		atf_check -o inline:"$n\n" "$vk" -n $n /bin/grep -c "^cpu[0-9]" /proc/stat
		atf_check -o inline:"$list\n" "$vk" -n $n /bin/cat /sys/devices/system/cpu/online
		atf_check -o inline:"$list\n" "$vk" -n $n /bin/cat /sys/devices/system/cpu/possible
		atf_check -o inline:"$n $n\n" "$vk" -n $n /usr/bin/python3 -c \
		    "import os; print(os.cpu_count(), len(os.sched_getaffinity(0)))"
	done
}

atf_test_case stale__translations_100_runs
stale__translations_100_runs_head()
{
	atf_set descr "The stale-translation stress test: a thread remaps, write-protects and unmaps pages while three others read and write them; they see the fault or the new contents, never the old page: 100 runs in a row (100 generations each; 20 on hw, where a VM exit costs 100 times more in the emulated guest), 90 at -n 2 and 10 at -n 1"
	atf_set timeout 1200
}
stale__translations_100_runs_body()
{
	need_guest stale-glibc
	gens=100
	[ "${VKERNEL_PAGING:-}" = hw ] && gens=20
	echo "host CPUs: $(getconf _NPROCESSORS_ONLN); paging: ${VKERNEL_PAGING:-auto}; $gens generations a run"
	atf_check -s exit:0 -o inline:"stale ok: $gens generations\n" -e ignore \
	    "$gdir/stale-glibc" $gens
	i=0
	while [ $i -lt 100 ]; do
		n=2
		[ $i -lt 10 ] && n=1
		timeout 120 "$vk" -n $n -m 64m "$gdir/stale-glibc" $gens \
		    >out 2>err || { cat out err; atf_fail "run $i (-n $n) failed"; }
		grep -qx "stale ok: $gens generations" out ||
		    { cat out err; atf_fail "run $i (-n $n): $(cat out)"; }
		i=$((i + 1))
	done
	echo "100 runs passed"
	# The runs did exercise the shootdown: -v counts them at -n 2.
	timeout 120 "$vk" -v -n 2 -m 64m "$gdir/stale-glibc" $gens >out 2>err ||
	    { cat out err; atf_fail "the -v run failed"; }
	grep "shootdowns:" err || atf_fail "-v counted no shootdown"
	grep -q "shootdowns: [1-9]" err || atf_fail "-v counted no shootdown"
}

# same_as_native OUT CMD...: CMD's output natively (into native.out) and
# under vkernel -n 2 are the same, and both exit 0.
same_as_native()
{
	out=$1
	shift
	atf_check -s exit:0 -o save:native.$out -e ignore "$@"
	atf_check -s exit:0 -o save:vk.$out -e ignore \
	    timeout 600 "$vk" -n 2 "$@"
	cmp native.$out vk.$out || atf_fail "$* differs under vkernel"
}

atf_test_case debian__python_threading
debian__python_threading_head()
{
	atf_set descr "Debian's python3: threading.Thread and concurrent.futures give native output under -n 2"
	atf_set require.progs python3
}
debian__python_threading_body()
{
	vk_setup
	cat >t.py <<'EOF'
import threading, concurrent.futures
def work(n): return sum(i * i for i in range(n))
res = [0] * 4
def run(k): res[k] = work(20000 + k)
ts = [threading.Thread(target=run, args=(k,)) for k in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(res)
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    print(list(ex.map(work, [10, 100, 1000, 10000])))
lock = threading.Lock(); cond = threading.Condition(lock); box = []
def producer():
    for i in range(100):
        with cond:
            box.append(i); cond.notify()
p = threading.Thread(target=producer); p.start()
got = 0
while got < 100:
    with cond:
        while not box: cond.wait()
        box.pop(); got += 1
p.join()
print("consumed", got, "threads left", threading.active_count())
EOF
	same_as_native py python3 t.py
}

atf_test_case debian__xz_threads
debian__xz_threads_head()
{
	atf_set descr "xz -T2 compresses 8 MiB (two blocks, two threads) to the same bytes as natively, and decompresses them"
	atf_set require.progs xz
	atf_set timeout 900
}
debian__xz_threads_body()
{
	vk_setup
	# Compressible but not trivial: numbers and words, 8 MiB.
	awk 'BEGIN { for (i = 0; i < 600000; i++) printf "%d line %x of the input\n", i, i * 7919 }' >in.txt
	same_as_native xz xz -T2 --block-size=2MiB -c in.txt
	atf_check -s exit:0 -o save:back.txt -e ignore \
	    timeout 600 "$vk" -n 2 xz -T2 -dc vk.xz
	cmp in.txt back.txt || atf_fail "xz -d under vkernel gave other bytes"
}

atf_test_case debian__sort_parallel
debian__sort_parallel_head()
{
	atf_set descr "sort --parallel=2 on a large input (a million lines) gives native output under -n 2"
	atf_set require.progs sort
	atf_set timeout 900
}
debian__sort_parallel_body()
{
	vk_setup
	awk 'BEGIN { srand(7); for (i = 0; i < 1000000; i++) printf "%08x %d\n", int(rand() * 4294967295), i }' >in.txt
	same_as_native sort sort --parallel=2 -S 32M in.txt
}

atf_init_test_cases()
{
	atf_add_test_case pthread__basic
	atf_add_test_case pthread__cancel
	atf_add_test_case pthread__robust_owner_dies
	atf_add_test_case pthread__pi_mutex
	atf_add_test_case signal__thread_and_process
	atf_add_test_case exec__from_thread
	atf_add_test_case fork__from_thread
	atf_add_test_case exit__thread_while_others_read
	atf_add_test_case exit__group_from_thread
	atf_add_test_case exit__leader_first
	atf_add_test_case wait__sees_the_process
	atf_add_test_case proc__task_directory
	atf_add_test_case limit__eagain
	atf_add_test_case cpus__seen_everywhere
	atf_add_test_case stale__translations_100_runs
	atf_add_test_case debian__python_threading
	atf_add_test_case debian__xz_threads
	atf_add_test_case debian__sort_parallel
}
