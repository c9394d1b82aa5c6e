#!/usr/bin/env atf-sh
# dyn_test.sh: dynamically linked programs: file mmap, ld.so as PT_INTERP (our own guests and Debian's ls, cat, sort, env, bash and python3 print what they print natively), and malformed interpreters refused with ENOEXEC/ENOENT/EACCES.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# Locale files and messages stay out of the comparisons.
export LC_ALL=C

# files_or_skip: skips unless the vkernel opens regular files (ld.so
# opens the libraries; the file layer's openat).
files_or_skip()
{
	vk_setup
	"$vk" -v /bin/busybox cat "$(atf_get_srcdir)/Kyuafile" >/dev/null \
	    2>files.err ||
	    atf_skip "the vkernel cannot open regular files yet: $(grep -m1 \
	    ENOSYS files.err)"
}

# dyn_check PROGRAM [ARGS...]: runs natively, then under vkernel -v -r /:
# the same status, stdout and stderr (less the vkernel's own lines), and
# every page back.
dyn_check()
{
	files_or_skip
	"$@" >native.out 2>native.err
	dc_st=$?
	atf_check -s exit:$dc_st -o file:native.out -e save:vk.err \
	    timeout 120 "$vk" -v -m 256m -r / "$@"
	grep -v '^vkernel: ' vk.err >guest.err
	atf_check -o file:native.err cat guest.err
	pages_back vk.err
}

atf_test_case fmap__file
fmap__file_head()
{
	atf_set descr "mmap of a regular file (stdin): MAP_PRIVATE and read-only MAP_SHARED copies at offsets, the zeroed tail, SIGBUS (BUS_ADRERR, si_addr) and EFAULT for pages wholly past the end, ld.so's PROT_NONE reservation with MAP_FIXED segments, fork; EINVAL, EBADF, EACCES, ENODEV as Linux"
}
fmap__file_body()
{
	# 3 pages and a bit of varied bytes.
	awk 'BEGIN { for (i = 0; i < 1300; i++) printf "%09d\n", i * 7919 }' \
	    >data
	for v in glibc musl; do
		need_guest fmap-$v
		atf_check -s exit:0 -o save:native.out -e empty \
		    "$gdir/fmap-$v" <data
		only_line native.out '^fmap ok: [0-9]+ checks$'
		atf_check -s exit:0 -o save:vk.out -e save:vk.err \
		    timeout 60 "$vk" -v "$gdir/fmap-$v" <data
		only_line vk.out '^fmap ok: [0-9]+ checks$'
		pages_back vk.err
	done
}

atf_test_case fmap__shared_write
fmap__shared_write_head()
{
	atf_set descr "MAP_SHARED with PROT_WRITE of a file open read-write maps (the page cache), natively and in the vkernel"
}
fmap__shared_write_body()
{
	need_guest fmap-glibc
	echo data >rw
	atf_check -o inline:"mapped\n" "$gdir/fmap-glibc" sharedwrite <>rw
	atf_check -o inline:"mapped\n" -e save:vk.err \
	    "$vk" -v "$gdir/fmap-glibc" sharedwrite <>rw
	pages_back vk.err
}

atf_test_case hello__dynamic
hello__dynamic_head()
{
	atf_set descr "hello.c linked against the host's glibc, position-dependent (ET_EXEC) and PIE, runs with ld.so as pid 1 and through execve from a static guest"
}
hello__dynamic_body()
{
	need_guest hello-dyn
	need_guest execit-glibc
	dyn_check "$gdir/hello-dyn" one 'two words'
	dyn_check "$gdir/hello-dyn-pie" one 'two words'
	dyn_check "$gdir/execit-glibc" "$gdir/hello-dyn-pie" three
}

atf_test_case script__dynamic_interp
script__dynamic_interp_head()
{
	atf_set descr "#! scripts whose interpreter is dynamic: hello-dyn-pie with an argument, and /bin/bash, as pid 1 and through execve"
}
script__dynamic_interp_body()
{
	need_guest hello-dyn-pie
	need_guest execit-glibc
	printf '#!%s an-arg\n' "$gdir/hello-dyn-pie" >hs
	printf '#!/bin/bash\necho "bash script: $1 $((2 + 3))"\n' >bs
	chmod +x hs bs
	dyn_check "$(pwd)/hs" x
	dyn_check "$(pwd)/bs" y
	dyn_check "$gdir/execit-glibc" "$(pwd)/bs" z
}

atf_test_case debian__ls
debian__ls_head()
{
	atf_set descr "Debian's /bin/ls lists a directory the test builds as it does natively"
}
debian__ls_body()
{
	mkdir d d/sub
	touch d/b d/a d/.hidden d/c
	echo data >d/sub/f
	dyn_check /bin/ls "$(pwd)/d"
	dyn_check /bin/ls -a "$(pwd)/d"
	dyn_check /bin/ls -R "$(pwd)/d"
	dyn_check /bin/ls "$(pwd)/d/missing"
}

atf_test_case debian__ls_long
debian__ls_long_head()
{
	atf_set descr "Debian's /bin/ls -l (owners, modes, sizes, times) of a directory the test builds, as natively"
}
debian__ls_long_body()
{
	mkdir d
	echo data >d/f
	ln -s f d/link
	dyn_check /bin/ls -l "$(pwd)/d"
}

atf_test_case debian__ls_root
debian__ls_root_head()
{
	atf_set descr "Debian's /bin/ls -a / with -r /: the same names as natively, /dev, /proc and /sys (the vkernel's own) included, and no error"
}
debian__ls_root_body()
{
	dyn_check /bin/ls -a /
}

atf_test_case debian__cat
debian__cat_head()
{
	atf_set descr "Debian's /bin/cat: two files, numbered lines, and a missing one"
}
debian__cat_body()
{
	printf 'one\ntwo\n' >f1
	awk 'BEGIN { for (i = 0; i < 20000; i++) print "line", i }' >f2
	dyn_check /bin/cat "$(pwd)/f1" "$(pwd)/f2"
	dyn_check /bin/cat -n "$(pwd)/f1"
	dyn_check /bin/cat "$(pwd)/f1" "$(pwd)/nope"
}

atf_test_case debian__sort
debian__sort_head()
{
	atf_set descr "Debian's /usr/bin/sort: numeric, reverse and unique sorts of a file"
}
debian__sort_body()
{
	awk 'BEGIN { for (i = 0; i < 5000; i++) print (i * 7919) % 1000, "x" i % 7 }' >in
	dyn_check /usr/bin/sort "$(pwd)/in"
	dyn_check /usr/bin/sort -n -r "$(pwd)/in"
	dyn_check /usr/bin/sort -u -k2 "$(pwd)/in"
}

atf_test_case debian__env
debian__env_head()
{
	atf_set descr "Debian's /usr/bin/env runs another dynamic program (itself) with a new environment"
}
debian__env_body()
{
	dyn_check /usr/bin/env -i A=1 B='two words' /usr/bin/env
}

atf_test_case debian__bash
debian__bash_head()
{
	atf_set descr "Debian's /bin/bash -c: arithmetic, a loop into a pipeline to sort, command substitution of a dynamic program, status"
}
debian__bash_body()
{
	dyn_check /bin/bash -c 'echo $((6 * 7)); for i in 1 3 2; do echo $i; done | /usr/bin/sort -r; x=$(/bin/echo sub); echo "$x"; /bin/false || echo "false: $?"'
}

atf_test_case debian__python3
debian__python3_head()
{
	atf_set descr "Debian's python3 -c prints what it prints natively"
}
debian__python3_body()
{
	[ -x /usr/bin/python3 ] ||
	    atf_skip "no /usr/bin/python3: install python3-minimal"
	dyn_check /usr/bin/python3 -c 'import sys; print(sum(range(10)), sys.version_info[0]); print(sorted({"b": 1, "a": 2}))'
}

# interp_root: a root of its own (-r root) holding /prog, whose PT_INTERP
# is /vk-test/interp (hello-badinterp), and /execit.
interp_root()
{
	need_guest hello-badinterp
	need_guest execit-glibc
	mkdir -p root/vk-test
	cp "$gdir/hello-badinterp" root/prog
	cp "$gdir/execit-glibc" root/execit
}

# interp_refused STATUS ERRNO REASON: /prog as pid 1 exits STATUS with one
# line naming REASON; through execve it is ERRNO, and -v names REASON.
interp_refused()
{
	atf_check -s exit:$1 -o empty -e save:first.err "$vk" -r root /prog
	only_line first.err "^vkernel: /prog: $3\$"
	atf_check -s exit:1 -o inline:"execve /prog: $2\n" -e save:vk.err \
	    "$vk" -v -r root /execit /prog
	grep -qE "execve /prog: $3\$" vk.err || {
		cat vk.err
		atf_fail "no '$3' line in vk.err (above)"
	}
	pages_back vk.err
}

atf_test_case interp__missing
interp__missing_head()
{
	atf_set descr "A PT_INTERP naming a file that does not exist: exit 127, ENOENT from execve"
}
interp__missing_body()
{
	interp_root
	interp_refused 127 ENOENT \
	    "interpreter /vk-test/interp: No such file or directory"
}

atf_test_case interp__not_elf
interp__not_elf_head()
{
	atf_set descr "An interpreter that is a text file: exit 126, ENOEXEC (Linux says EIO or ELIBBAD)"
}
interp__not_elf_body()
{
	interp_root
	echo 'not a program' >root/vk-test/interp
	chmod +x root/vk-test/interp
	interp_refused 126 ENOEXEC \
	    "interpreter /vk-test/interp: not an x86-64 ELF executable: .*"
}

atf_test_case interp__truncated
interp__truncated_head()
{
	atf_set descr "ld.so cut inside its program headers and inside its segments: exit 126, ENOEXEC"
}
interp__truncated_body()
{
	interp_root
	head -c 100 /lib64/ld-linux-x86-64.so.2 >root/vk-test/interp
	chmod +x root/vk-test/interp
	interp_refused 126 ENOEXEC "interpreter /vk-test/interp: not an x86-64 ELF executable: corrupt program headers \\(outside the file\\)"
	head -c 5000 /lib64/ld-linux-x86-64.so.2 >root/vk-test/interp
	interp_refused 126 ENOEXEC "interpreter /vk-test/interp: not an x86-64 ELF executable: corrupt segment \\(outside the file\\)"
}

atf_test_case interp__wrong_kind
interp__wrong_kind_head()
{
	atf_set descr "An interpreter with an interpreter of its own, one that is ET_EXEC, one not executable, and a PT_INTERP without its NUL: refused"
}
interp__wrong_kind_body()
{
	interp_root
	need_guest hello-dyn-pie
	cp "$gdir/hello-dyn-pie" root/vk-test/interp
	interp_refused 126 ENOEXEC \
	    "interpreter /vk-test/interp: it has an interpreter of its own"
	cp "$gdir/hello-glibc" root/vk-test/interp
	interp_refused 126 ENOEXEC \
	    "interpreter /vk-test/interp: not a shared object \\(ET_DYN\\)"
	cp /lib64/ld-linux-x86-64.so.2 root/vk-test/interp
	chmod -x root/vk-test/interp
	interp_refused 126 EACCES \
	    "interpreter /vk-test/interp: Permission denied"
	# The NUL after the path becomes 'x'.
	off=$(grep -obaF /vk-test/interp root/prog | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || atf_fail "no PT_INTERP string in prog"
	printf x | dd of=root/prog bs=1 seek=$((off + 15)) conv=notrunc \
	    2>/dev/null
	interp_refused 126 ENOEXEC "not an x86-64 ELF executable: PT_INTERP is not a NUL-terminated path"
}

atf_test_case interp__in_root
interp__in_root_head()
{
	atf_set descr "The interpreter is found beneath the -r root: ld.so copied there runs, and fails to find libc.so.6 there as it would natively"
}
interp__in_root_body()
{
	interp_root
	cp /lib64/ld-linux-x86-64.so.2 root/vk-test/interp
	atf_check -s exit:127 -o empty -e save:vk.err "$vk" -v -r root /prog
	grep -q '^/prog: error while loading shared libraries: libc.so.6: cannot open shared object file' vk.err || {
		cat vk.err
		atf_fail "ld.so did not run (vk.err above)"
	}
	pages_back vk.err
}

atf_init_test_cases()
{
	atf_add_test_case fmap__file
	atf_add_test_case fmap__shared_write
	atf_add_test_case hello__dynamic
	atf_add_test_case script__dynamic_interp
	atf_add_test_case debian__ls
	atf_add_test_case debian__ls_long
	atf_add_test_case debian__ls_root
	atf_add_test_case debian__cat
	atf_add_test_case debian__sort
	atf_add_test_case debian__env
	atf_add_test_case debian__bash
	atf_add_test_case debian__python3
	atf_add_test_case interp__missing
	atf_add_test_case interp__not_elf
	atf_add_test_case interp__truncated
	atf_add_test_case interp__wrong_kind
	atf_add_test_case interp__in_root
}
