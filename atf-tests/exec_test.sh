#!/usr/bin/env atf-sh
# exec_test.sh: hostile execve input: an empty argv (ELF and #! scripts, Linux's {""}); each expectation checked natively first.

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

atf_init_test_cases()
{
	atf_add_test_case argv__empty_elf
	atf_add_test_case argv__empty_script
}
