#!/usr/bin/env atf-sh
# pcache_test.sh: the page cache: file mappings share one copy of a file's pages between processes, private writes copy, shared writes reach the file and read(2)/write(2), files larger than memory map, truncation drops the pages past the end and they raise SIGBUS; natively first, then in the vkernel with every page back.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# mkfile NAME BYTES: the pattern pcache.c checks, byte i = i*7 + i/4096.
mkfile()
{
	python3 -c '
import sys
n = int(sys.argv[2])
open(sys.argv[1], "wb").write(bytes((i * 7 + i // 4096) & 0xff for i in range(n)))
' "$1" "$2" || atf_fail "cannot make $1"
}

# pc_run MODE FILE [VKERNEL OPTIONS]: pcache-glibc and -musl natively, then
# under "$vk" -v (-m 64m unless options are given): "pcache MODE ok" and
# every page back.  The vkernel's stderr is left in vk.err.
pc_run()
{
	pr_mode=$1 pr_file=$2
	shift 2
	[ $# -gt 0 ] || set -- -m 64m
	for v in glibc musl; do
		need_guest pcache-$v
		atf_check -o inline:"pcache $pr_mode ok\n" \
		    "$gdir/pcache-$v" "$pr_mode" "$pr_file"
		atf_check -o inline:"pcache $pr_mode ok\n" -e save:vk.err \
		    timeout 120 "$vk" -v "$@" "$gdir/pcache-$v" "$pr_mode" \
		    "$pr_file"
		pages_back vk.err
	done
}

# cache_peak FILE: the page cache's peak pages from a -v stderr.
cache_peak()
{
	sed -n 's/^vkernel: page cache: [0-9]* pages, \([0-9]*\) peak.*/\1/p' "$1"
}

atf_test_case share__two_processes
share__two_processes_head()
{
	atf_set descr "a 4 MiB file mapped MAP_PRIVATE by two processes (and mprotect, mremap, munmap of pieces in one) is resident once: the cache peaks at its 1024 pages and the allocator below two copies"
}
share__two_processes_body()
{
	vk_setup
	mkfile f4 4194304
	pc_run share f4
	cat vk.err | grep -E '^vkernel: (pages|page cache):'
	pk=$(cache_peak vk.err)
	[ -n "$pk" ] && [ "$pk" -le 1100 ] ||
	    atf_fail "page cache peak ${pk:-missing}, want about 1024"
	used=$(sed -n 's/^vkernel: pages: \([0-9]*\) peak.*/\1/p' vk.err)
	[ "$used" -lt 2048 ] ||
	    atf_fail "$used pages at peak: the file was resident twice"
}

atf_test_case cow__private_write
cow__private_write_head()
{
	atf_set descr "MAP_PRIVATE writes copy the page: the writer sees its copy, a fork child its own, a second mapping and the file the original; MADV_DONTNEED reverts to the file"
}
cow__private_write_body()
{
	vk_setup
	mkfile f 65536
	cp f orig
	pc_run cow f
	cmp -s f orig || atf_fail "a private write reached the file"
}

atf_test_case shared__write_read
shared__write_read_head()
{
	atf_set descr "MAP_SHARED writes are seen by read(2) in another process, write(2) by the mapping, two processes' mappings see each other, msync writes back, and the host file has every byte after exit, as natively"
}
shared__write_read_body()
{
	vk_setup
	mkfile orig 65536
	for v in glibc musl; do
		need_guest pcache-$v
		cp orig native
		atf_check -o inline:"pcache shw ok\n" "$gdir/pcache-$v" shw native
		cp orig vk
		atf_check -o inline:"pcache shw ok\n" -e save:vk.err \
		    timeout 120 "$vk" -v -m 64m "$gdir/pcache-$v" shw vk
		pages_back vk.err
		cmp native vk || atf_fail "the file differs from native's ($v)"
		if cmp -s orig vk; then
			atf_fail "nothing reached the file ($v)"
		fi
	done
}

atf_test_case shared__append_descriptor
shared__append_descriptor_head()
{
	atf_set descr "a file mapped privately through a read-only descriptor, then shared and written through an O_APPEND one: write-back lands in place, the size stays"
}
shared__append_descriptor_body()
{
	vk_setup
	mkfile orig 16384
	for v in glibc musl; do
		need_guest pcache-$v
		cp orig native
		atf_check -o inline:"pcache fdmodes ok\n" \
		    "$gdir/pcache-$v" fdmodes native
		cp orig vk
		atf_check -o inline:"pcache fdmodes ok\n" -e save:vk.err \
		    timeout 120 "$vk" -v -m 64m "$gdir/pcache-$v" fdmodes vk
		pages_back vk.err
		cmp native vk || atf_fail "the file differs from native's ($v)"
	done
}

atf_test_case big__over_memory
big__over_memory_head()
{
	atf_set descr "a 64 MiB file under -m 32m: mapped privately and read twice, then shared and written one page in eight; the cache evicts mapped pages (writing dirty ones back) and the file ends as native's"
}
big__over_memory_body()
{
	vk_setup
	mkfile orig 67108864
	need_guest pcache-glibc
	cp orig native
	atf_check -o inline:"pcache big ok\n" "$gdir/pcache-glibc" big native
	cp orig vk
	atf_check -o inline:"pcache big ok\n" -e save:vk.err \
	    timeout 120 "$vk" -v -m 32m "$gdir/pcache-glibc" big vk
	pages_back vk.err
	grep '^vkernel: page cache:' vk.err
	grep -q '^vkernel: page cache: .* [1-9][0-9]* evicted$' vk.err ||
	    atf_fail "nothing was evicted"
	cmp native vk || atf_fail "the file differs from native's"
}

atf_test_case exec__resident_once
exec__resident_once_head()
{
	atf_set descr "Five processes running busybox (static, loaded by the vkernel's own loader) hold its pages once: the peak of all guest pages stays below one whole copy of the program"
}
exec__resident_once_body()
{
	vk_setup
	[ -x /bin/busybox ] || atf_fail "no /bin/busybox: install busybox-static"
	atf_check -s exit:0 -o inline:"done\n" -e save:vk.err \
	    timeout 120 "$vk" -v -m 64m /bin/busybox sh -c \
	    'sleep 0.3 & sleep 0.3 & sleep 0.3 & sleep 0.3 & wait; echo done'
	pages_back vk.err
	whole=$(($(stat -c %s /bin/busybox) / 4096))
	peak=$(sed -n 's/^vkernel: pages: \([0-9]*\) peak.*/\1/p' vk.err)
	[ -n "$peak" ] || atf_fail "no pages line: $(cat vk.err)"
	[ "$peak" -lt "$whole" ] ||
	    atf_fail "five busybox processes peaked at $peak pages, a whole copy is $whole"
}

atf_test_case truncate__drops_pages
truncate__drops_pages_head()
{
	atf_set descr "A truncation (ftruncate, O_CREAT|O_TRUNC, truncate(2) by another process) drops the cached pages past the end from every mapping, shared pages and private copies alike: SIGBUS there (BUS_ADRERR at the address), EFAULT to write(2) and read(2), zeros when the file grows again, nothing written back; the page holding the end keeps its bytes, zero past it; the file ends as native's"
}
truncate__drops_pages_body()
{
	vk_setup
	for v in glibc musl; do
		need_guest pcache-$v
		mkfile native 32768
		atf_check -o inline:"pcache trunc ok\n" \
		    "$gdir/pcache-$v" trunc native
		mkfile vk 32768
		atf_check -o inline:"pcache trunc ok\n" -e save:vk.err \
		    timeout 120 "$vk" -v -m 64m "$gdir/pcache-$v" trunc vk
		pages_back vk.err
		cmp native vk || atf_fail "the file differs from native's ($v)"
	done
}

atf_test_case sigbus__unhandled
sigbus__unhandled_head()
{
	atf_set descr "A read of a file mapping's page wholly past the end of the file with no handler ends the guest with SIGBUS: exit 135, as natively"
}
sigbus__unhandled_body()
{
	vk_setup
	printf '%05000d' 0 >short
	for v in glibc musl; do
		need_guest pcache-$v
		atf_check -s signal:7 -o inline:"before\n" \
		    "$gdir/pcache-$v" bus short
		atf_check -s exit:135 -o inline:"before\n" -e save:vk.err \
		    timeout 60 "$vk" -v "$gdir/pcache-$v" bus short
		grep -q 'past the end of a mapped file, killed by signal 7' \
		    vk.err || atf_fail "no SIGBUS line: $(cat vk.err)"
		pages_back vk.err
	done
}

atf_init_test_cases()
{
	atf_add_test_case exec__resident_once
	atf_add_test_case share__two_processes
	atf_add_test_case cow__private_write
	atf_add_test_case shared__write_read
	atf_add_test_case shared__append_descriptor
	atf_add_test_case big__over_memory
	atf_add_test_case truncate__drops_pages
	atf_add_test_case sigbus__unhandled
}
