# proc_common.sh: helpers for the tests of guest processes (sourced after vk_common.sh, not run).

# pages_back FILE: FILE, the stderr of `vkernel -v`, has exactly one line
# "vkernel: pages after exit: N used, baseline B", written once every guest
# process has ended and been torn down, and N equals B: every page came back.
# Prints the line.
pages_back()
{
	pb_line=$(grep '^vkernel: pages after exit: ' "$1")
	echo "$pb_line"
	if [ -z "$pb_line" ]; then
		cat "$1"
		atf_fail "no 'pages after exit' line in $1 (above)"
	fi
	[ "$(printf '%s\n' "$pb_line" | grep -c '')" = 1 ] ||
	    atf_fail "more than one 'pages after exit' line in $1"
	pb_nb=$(printf '%s\n' "$pb_line" | sed -n \
	    's/^vkernel: pages after exit: \([0-9][0-9]*\) used, baseline \([0-9][0-9]*\)$/\1 \2/p')
	[ -n "$pb_nb" ] || atf_fail "malformed line: $pb_line"
	[ "${pb_nb% *}" = "${pb_nb#* }" ] ||
	    atf_fail "pages did not come back: $pb_line"
}

# only_line FILE ERE: FILE holds exactly one line and it matches ERE.
only_line()
{
	[ "$(grep -c '' "$1")" = 1 ] && grep -qE -- "$2" "$1" && return
	cat "$1"
	atf_fail "$1 (above) is not one line matching '$2'"
}

# kmem_back BASE ERR: the kernel memory at exit that `vkernel -v` wrote
# in ERR is the same as in BASE (a plain program's run): whatever the
# guest left was freed.
kmem_back()
{
	kb_base=$(grep '^vkernel: kernel memory: ' "$1" | cut -d' ' -f4)
	kb_now=$(grep '^vkernel: kernel memory: ' "$2" | cut -d' ' -f4)
	[ -n "$kb_base" ] && [ "$kb_base" = "$kb_now" ] ||
	    atf_fail "kernel memory at exit $kb_now in $2, a plain program's $kb_base"
}

# start_holder OUT CMD...: runs CMD in a session of its own in the
# background, its output in OUT, and waits until it says "holding".
start_holder()
{
	sh_out=$1
	shift
	setsid "$@" >"$sh_out" 2>&1 &
	i=0
	until grep -q holding "$sh_out"; do
		i=$((i + 1))
		[ $i -lt 100 ] || atf_fail "holder did not start: $(cat "$sh_out")"
		sleep 0.1
	done
}
