#!/usr/bin/env atf-sh
# exec_test.sh: hostile execve input: an empty argv (ELF and #! scripts, Linux's {""}), and ELF files whose section headers claim billions of sections, are garbage, or whose program headers are malformed; each expectation checked natively first.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

export LC_ALL=C

# vk_like_native STATUS CMD...: CMD exits STATUS natively (its stdout kept)
# and under vkernel -v -m 16m with the same stdout, no stderr of its own,
# and every page back.
vk_like_native()
{
	vln_st=$1
	shift
	atf_check -s exit:$vln_st -o save:native.out -e empty "$@"
	atf_check -s exit:$vln_st -o file:native.out -e save:vk.err \
	    timeout 60 "$vk" -v -m 16m "$@"
	atf_check -o empty sed '/^vkernel: /d' vk.err
	pages_back vk.err
}

# poke FILE OFFSET SIZE VALUE: writes VALUE (a shell integer; a negative
# one for a high 64-bit value) as SIZE little-endian bytes at OFFSET.
poke()
{
	pk_v=$4
	pk_s=""
	pk_i=0
	while [ $pk_i -lt "$3" ]; do
		pk_s="$pk_s$(printf '\\%03o' $((pk_v & 255)))"
		pk_v=$((pk_v >> 8))
		pk_i=$((pk_i + 1))
	done
	printf "$pk_s" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null ||
	    atf_fail "cannot write $1"
}

# peek FILE OFFSET SIZE: the SIZE-byte little-endian integer at OFFSET.
peek()
{
	od -An -t u"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

# Offsets in Elf64_Ehdr, and in Elf64_Shdr of section 0.
E_PHOFF=32
E_SHOFF=40
E_PHENTSIZE=54
E_PHNUM=56
E_SHENTSIZE=58
E_SHNUM=60
SH_SIZE=32
SH_INFO=44

# --- empty argv ---------------------------------------------------------

atf_test_case argv__empty_elf
argv__empty_elf_head()
{
	atf_set descr "execve(prog, {NULL}) and execve(prog, NULL) give the new image argc 1 and argv {\"\"}, as Linux since 5.18, with both libcs; /proc/self/exe is named exe"
}
argv__empty_elf_body()
{
	for v in glibc musl; do
		need_guest noargv-$v
		g="$gdir/noargv-$v"
		for m in exec null; do
			vk_like_native 0 "$g" $m "$g"
			has_line native.out "argc=1"
			has_line native.out "argv[0]=[]"
			vk_like_native 0 "$g" $m /proc/self/exe
			has_line native.out "comm=[exe]"
		done
	done
}

atf_test_case argv__empty_script
argv__empty_script_head()
{
	atf_set descr "execve(script, {NULL}): the interpreter gets interp, [arg], script path and nothing more (the vkernel overran the vector and crashed); a script whose interpreter is a script; both libcs"
}
argv__empty_script_body()
{
	for v in glibc musl; do
		need_guest noargv-$v
		g="$gdir/noargv-$v"
		d="$(pwd)/s-$v"
		mkdir "$d"
		printf '#!%s one\n' "$g" >"$d/arg"
		printf '#!%s\n' "$g" >"$d/noarg"
		printf '#!%s two\n' "$d/arg" >"$d/nested"
		chmod +x "$d/arg" "$d/noarg" "$d/nested"
		for m in exec null; do
			vk_like_native 0 "$g" $m "$d/arg"
			atf_check -o inline:"argc=3\nargv[0]=[$g]\nargv[1]=[one]\nargv[2]=[$d/arg]\nargv[argc] is NULL\ncomm=[arg]\n" \
			    cat native.out
			vk_like_native 0 "$g" $m "$d/noarg"
			has_line native.out "argc=2"
			vk_like_native 0 "$g" $m "$d/nested"
			atf_check -o inline:"argc=5\nargv[0]=[$g]\nargv[1]=[one]\nargv[2]=[$d/arg]\nargv[3]=[two]\nargv[4]=[$d/nested]\nargv[argc] is NULL\ncomm=[nested]\n" \
			    cat native.out
		done
	done
}

# --- what the ELF loader reads -------------------------------------------

# AS_LIMIT: the vkernel's address space in the section tests (KiB): a
# loader that allocates per claimed section fails there instead of taking
# gigabytes of the host (the libelf one took 13 GiB of resident memory).
AS_LIMIT=1048576
RSS_BOUND=$(rss_bound 16)  # docs/design.md, The vkernel's own memory

# vk_bounded STATUS CMD...: like vk_like_native under AS_LIMIT, and the
# vkernel's peak resident size (with its stubs) stays under RSS_BOUND KiB.
vk_bounded()
{
	vb_st=$1
	shift
	atf_check -s exit:$vb_st -o save:native.out -e empty "$@"
	atf_check -s exit:$vb_st -o file:native.out -e save:vk.err \
	    sh -c 'ulimit -v $0 && exec "$@"' $AS_LIMIT \
	    /usr/bin/time -f %M -o rss timeout 120 "$vk" -v -m 16m "$@"
	atf_check -o empty sed '/^vkernel: /d' vk.err
	pages_back vk.err
	vb_rss=$(tail -n 1 rss)
	echo "vkernel peak resident size: $vb_rss KiB (bound $RSS_BOUND)"
	[ "$vb_rss" -le $RSS_BOUND ] ||
	    atf_fail "vkernel peak resident size $vb_rss KiB > $RSS_BOUND KiB"
}

# sections_claim FILE COUNT: FILE's section-header count is COUNT, said
# through section 0 (e_shnum 0, COUNT in its sh_size), and FILE is sparse
# to 4 GiB.
sections_claim()
{
	sc_off=$(peek "$1" $E_SHOFF 8)
	[ "$sc_off" -gt 0 ] || atf_fail "$1 has no section headers"
	poke "$1" $E_SHNUM 2 0
	poke "$1" $((sc_off + SH_SIZE)) 8 "$2"
	truncate -s 4G "$1"
}

atf_test_case elf__sections_huge
elf__sections_huge_head()
{
	atf_set descr "A static program whose section 0 claims 2^31 sections, and one claiming as many as its 4 GiB sparse file holds, runs as natively under -m 16m as pid 1 and through execve, the vkernel's peak resident size under the memory bound"
}
elf__sections_huge_body()
{
	need_guest hello-glibc
	need_guest execit-glibc
	# 2^31 is past what 4 GiB holds, and libelf ignored it; 2^26 less
	# the offset fills the file, and libelf allocated 13 GiB for it.
	for claim in 2147483648 fill; do
		cp "$gdir/hello-glibc" big
		[ $claim = fill ] &&
		    claim=$(( (4294967296 - $(peek big $E_SHOFF 8)) / 64 ))
		echo "section 0 claims $claim sections"
		sections_claim big $claim
		vk_bounded 0 "$PWD/big"
		has_line native.out "hello from the guest"
		vk_bounded 0 "$gdir/execit-glibc" "$PWD/big"
		has_line native.out "hello from the guest"
		rm big
	done
}

atf_test_case elf__sections_huge_interp
elf__sections_huge_interp_head()
{
	atf_set descr "ld.so whose section 0 claims sections filling its 4 GiB sparse file runs hello-dyn as a program, and as the PT_INTERP of a program in a -r root, as natively, the vkernel's peak resident size under the memory bound"
}
elf__sections_huge_interp_body()
{
	need_guest hello-dyn
	need_guest hello-badinterp
	cp /lib64/ld-linux-x86-64.so.2 interp
	sections_claim interp $(( (4294967296 - $(peek interp $E_SHOFF 8)) / 64 ))
	vk_bounded 0 "$PWD/interp" "$gdir/hello-dyn"
	has_line native.out "hello from the guest"
	# In a root of its own: /prog (hello.c, as hello-dyn) has the PT_INTERP
	# /vk-test/interp, and ld.so finds libc.so.6 where it is on the host;
	# it prints what hello-dyn printed natively above.
	libc=$(ldd "$gdir/hello-dyn" | awk '$1 == "libc.so.6" { print $3 }')
	[ -f "$libc" ] || atf_fail "no libc.so.6 for hello-dyn"
	mkdir -p root/vk-test "root$(dirname "$libc")"
	cp "$libc" "root$libc"
	cp "$gdir/hello-badinterp" root/prog
	mv interp root/vk-test/interp
	atf_check -s exit:0 -o file:native.out -e save:vk.err \
	    sh -c 'ulimit -v $0 && exec "$@"' $AS_LIMIT \
	    /usr/bin/time -f %M -o rss timeout 120 "$vk" -v -m 16m -r root /prog
	atf_check -o empty sed '/^vkernel: /d' vk.err
	pages_back vk.err
	echo "vkernel peak resident size: $(tail -n 1 rss) KiB"
	[ "$(tail -n 1 rss)" -le $RSS_BOUND ] ||
	    atf_fail "vkernel peak resident size over $RSS_BOUND KiB"
}

atf_test_case elf__sections_garbage
elf__sections_garbage_head()
{
	atf_set descr "Section headers absent, far past the end of the file, or garbage: the program runs as natively (sections play no part in loading)"
}
elf__sections_garbage_body()
{
	need_guest hello-glibc
	need_guest hello-dyn-pie
	need_guest execit-glibc
	for p in hello-glibc hello-dyn-pie; do
		cp "$gdir/$p" none
		poke none $E_SHOFF 8 0
		poke none $E_SHNUM 2 0
		cp "$gdir/$p" far
		poke far $E_SHOFF 8 -4096
		poke far $E_SHNUM 2 65535
		poke far $E_SHENTSIZE 2 7
		cp "$gdir/$p" junk
		off=$(peek junk $E_SHOFF 8)
		n=$(peek junk $E_SHNUM 2)
		head -c $((n * 64)) /dev/zero | tr '\0' '\377' |
		    dd of=junk bs=1 seek="$off" conv=notrunc 2>/dev/null
		for f in none far junk; do
			vk_like_native 0 "$PWD/$f"
			has_line native.out "hello from the guest"
			vk_like_native 0 "$gdir/execit-glibc" "$PWD/$f"
		done
	done
}

# refused NAME: NAME (in the work directory) is ENOEXEC natively through
# execve; as pid 1 the vkernel exits 126 with one line on stderr, and
# through execve the guest gets ENOEXEC.
refused()
{
	vk_like_native 1 "$gdir/execit-glibc" "$PWD/$1"
	atf_check -o inline:"execve $PWD/$1: ENOEXEC\n" cat native.out
	atf_check -s exit:126 -o empty -e save:first.err \
	    timeout 60 "$vk" -m 16m "$PWD/$1"
	only_line first.err "^vkernel: $PWD/$1: not an x86-64 ELF executable: .+\$"
	cat first.err
}

atf_test_case elf__phnum_xnum
elf__phnum_xnum_head()
{
	atf_set descr "e_phnum PN_XNUM (0xffff) with the real count in section 0's sh_info is ENOEXEC, as Linux's loader says (exit 126 as pid 1)"
}
elf__phnum_xnum_body()
{
	need_guest hello-glibc
	need_guest execit-glibc
	cp "$gdir/hello-glibc" xnum
	n=$(peek xnum $E_PHNUM 2)
	poke xnum $E_PHNUM 2 65535
	poke xnum $(($(peek xnum $E_SHOFF 8) + SH_INFO)) 4 "$n"
	refused xnum
}

atf_test_case elf__phdrs_bad
elf__phdrs_bad_head()
{
	atf_set descr "Program headers running past the end of the file, far past it, at an offset that overflows, with a wrong e_phentsize, none, or more than 64 KiB of them: ENOEXEC, never a crash"
}
elf__phdrs_bad_body()
{
	need_guest hello-glibc
	need_guest execit-glibc
	h="$gdir/hello-glibc"
	size=$(stat -c %s "$h")
	cp "$h" tail && poke tail $E_PHOFF 8 $((size - 100))
	cp "$h" far && poke far $E_PHOFF 8 $((size + 4096))
	cp "$h" wrap && poke wrap $E_PHOFF 8 -64
	cp "$h" ent32 && poke ent32 $E_PHENTSIZE 2 32
	cp "$h" ent64 && poke ent64 $E_PHENTSIZE 2 64
	cp "$h" zero && poke zero $E_PHNUM 2 0
	cp "$h" many && poke many $E_PHNUM 2 1171
	for f in tail far wrap ent32 ent64 zero many; do
		refused $f
	done
}

atf_init_test_cases()
{
	atf_add_test_case argv__empty_elf
	atf_add_test_case argv__empty_script
	atf_add_test_case elf__sections_huge
	atf_add_test_case elf__sections_huge_interp
	atf_add_test_case elf__sections_garbage
	atf_add_test_case elf__phnum_xnum
	atf_add_test_case elf__phdrs_bad
}
