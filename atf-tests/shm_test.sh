#!/usr/bin/env atf-sh
# shm_test.sh: memfd_create and its seals, and POSIX shared memory in /dev/shm, behave as on Linux (the memfd guest is checked natively first), their bytes are bounded per vkernel, /dev/shm is the vkernel's own, and Python's memfd and shared_memory work.

. "$(atf_get_srcdir)/vk_common.sh"

# python_check SCRIPT: Debian's python3 prints the same running SCRIPT
# natively and under vkernel.
python_check()
{
	[ -x /usr/bin/python3 ] ||
	    atf_skip "no /usr/bin/python3: install python3-minimal"
	vk_setup
	/usr/bin/python3 "$1" >native.out 2>&1 ||
	    atf_fail "python3 failed natively: $(cat native.out)"
	atf_check -s exit:0 -o file:native.out -e empty \
	    timeout 60 "$vk" -m 64m /usr/bin/python3 "$1"
}

guest_case memfd__file_map_fork memfd memfd \
    "memfd_create: read, write, pread, pwrite, ftruncate, fstat (mode 0777), MFD_CLOEXEC, the /proc/self/fd link /memfd:NAME (deleted), shared mappings seen by write(2) and read(2) across fork, a private copy, a reopen through /proc/self/fd (O_TRUNC too), EINVAL for bad flags and a 250-byte name, ENODEV for a bad huge page size, EFAULT for a bad name, F_SEAL_SEAL without MFD_ALLOW_SEALING"
guest_case memfd__seals memfd seals \
    "Seals: SHRINK and GROW refuse ftruncate, O_TRUNC, truncate(2) through the /proc link, writes past the end (a write across it is cut at the page), fallocate; WRITE is EBUSY while a shared writable mapping exists, then refuses write, pwrite, a reopen, hole punching, shared writable mappings and mprotect to write (private copies still write); FUTURE_WRITE leaves older mappings writing; SEAL ends sealing; EINVAL for an unknown seal and a pipe, EPERM through a read-only file, EBADF"

guest_case posix__shm_open_unlink memfd posix \
    "shm_open and shm_unlink (glibc and musl open and unlink /dev/shm/NAME): O_CREAT with the mode less the umask, O_EXCL (EEXIST), ENOENT, readdir of /dev/shm (mode 01777), stat by name, fchmod, F_SEAL_SEAL, another process opening it by name and seeing the mapping, read-only opens (EBADF, EACCES for a writable map), O_TRUNC, unlink leaving open and mapped objects alive (the /proc link says (deleted)) and the name free for a new object; link and rename in /dev/shm (st_nlink counts the names, rename over another object), named semaphores (sem_open, O_EXCL, sem_post by name from a child, sem_unlink)"

atf_test_case posix__isolated
posix__isolated_head()
{
	atf_set descr "/dev/shm under vkernel is its own: a host object is not there, a guest object never reaches the host, and a second vkernel does not see the object of the first while it is open"
}
posix__isolated_body()
{
	need_guest memfd-glibc
	name=vkt-host-$$
	: >/dev/shm/$name
	atf_check -s exit:0 -o match:"^iso ok: 3 checks$" -e empty \
	    timeout 60 "$vk" -m 64m "$gdir/memfd-glibc" iso $name
	rm -f /dev/shm/$name
	[ -e /dev/shm/vkt-iso-guest ] && atf_fail "a guest object reached the host"
	timeout 60 "$vk" -m 64m "$gdir/memfd-glibc" iso none 3 >a.out 2>&1 &
	sleep 1
	atf_check -s exit:0 -o match:"^iso ok: 3 checks$" -e empty \
	    timeout 60 "$vk" -m 64m "$gdir/memfd-musl" iso vkt-iso-guest
	wait $! || atf_fail "the first vkernel: $(cat a.out)"
	grep -q "^iso ok: 3 checks$" a.out || atf_fail "first: $(cat a.out)"
	[ -e /dev/shm/vkt-iso-guest ] && atf_fail "a guest object reached the host"
	return 0
}

atf_test_case posix__python
posix__python_head()
{
	atf_set descr "Debian python3 multiprocessing.shared_memory creates, opens, lists, and unlinks an object as natively"
}
posix__python_body()
{
	cat >shm.py <<'PY'
from multiprocessing import shared_memory
import os
name = "vktpy%d" % os.getpid()
s = shared_memory.SharedMemory(create=True, size=100, name=name)
s.buf[:5] = b"hello"
t = shared_memory.SharedMemory(name=name)
print(bytes(t.buf[:5]), t.size >= 100, name in os.listdir("/dev/shm"))
t.close(); s.close(); s.unlink()
print(os.path.exists("/dev/shm/" + name))
PY
	python_check shm.py
}

atf_test_case posix__python_multiprocessing
posix__python_multiprocessing_head()
{
	atf_set descr "Debian python3 multiprocessing: a Pool of two workers maps a function and a Queue carries values from a Process (named POSIX semaphores made by sem_open's link in /dev/shm, pipes, shared memory futexes), as natively"
}
posix__python_multiprocessing_body()
{
	/usr/bin/python3 -c 'import multiprocessing.pool' 2>/dev/null ||
	    atf_skip "python3's multiprocessing is missing: install python3"
	cat >mp.py <<'PY'
import multiprocessing as mp
def sq(x): return x * x
def producer(q):
    for i in range(5): q.put(i * 10)
    q.put(None)
if __name__ == "__main__":
    with mp.Pool(2) as p:
        print(p.map(sq, range(10)))
    q = mp.Queue()
    pr = mp.Process(target=producer, args=(q,)); pr.start()
    got = []
    while (v := q.get()) is not None: got.append(v)
    pr.join()
    print(got, pr.exitcode)
PY
	python_check mp.py
}

atf_test_case memfd__bound
memfd__bound_head()
{
	atf_set descr "At -m 16m the bytes of all memfds stop at 16 MiB (ftruncate and write ENOSPC), a mapping keeps them charged after its descriptor closed until munmap, memfds and /dev/shm names stop at the budget (ENOSPC), and all comes back once closed or unlinked (under vkernel only: the host has more)"
}
memfd__bound_body()
{
	for v in glibc musl; do
		need_guest memfd-$v
		atf_check -s exit:0 -o match:"^bound ok: [0-9]+ checks$" \
		    -e empty timeout 120 "$vk" -m 16m "$gdir/memfd-$v" bound
	done
}

atf_test_case memfd__python
memfd__python_head()
{
	atf_set descr "Debian python3 os.memfd_create, mmap and fcntl seals print what they print natively"
}
memfd__python_body()
{
	cat >mfd.py <<'PY'
import os, mmap, fcntl
fd = os.memfd_create("py", os.MFD_ALLOW_SEALING)
os.write(fd, b"x" * 8192)
m = mmap.mmap(fd, 8192)
m[0:5] = b"hello"
print(os.pread(fd, 5, 0), os.readlink("/proc/self/fd/%d" % fd))
m.close()
fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK)
print(fcntl.fcntl(fd, fcntl.F_GET_SEALS))
for what, call in (("write", lambda: os.write(fd, b"y")),
                   ("ftruncate", lambda: os.ftruncate(fd, 0))):
    try:
        call()
    except OSError as e:
        print(what, e.errno)
PY
	python_check mfd.py
}

atf_init_test_cases()
{
	atf_add_test_case memfd__file_map_fork
	atf_add_test_case memfd__seals
	atf_add_test_case memfd__bound
	atf_add_test_case memfd__python
	atf_add_test_case posix__shm_open_unlink
	atf_add_test_case posix__isolated
	atf_add_test_case posix__python
	atf_add_test_case posix__python_multiprocessing
}
