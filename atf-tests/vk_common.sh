# vk_common.sh: helpers shared by the atf-sh test programs (sourced, not run).

# Sets $vk and $gdir: the vkernel binary and the guests directory.
# VKERNEL_PAGING passes through: `make check` runs the whole suite once on
# the sw path and once with VKERNEL_PAGING=hw, with the same expectations.
vk_setup()
{
	vk="$(atf_get_srcdir)/../../bin/vkernel"
	gdir="$(atf_get_srcdir)/guests"
	[ -x "$vk" ] || atf_fail "no vkernel binary at $vk"
}

# Sets $vk and $gdir and checks the guest $1 exists.
need_guest()
{
	vk_setup
	[ -x "$gdir/$1" ] || atf_fail "guest $gdir/$1 is missing"
}

# Sets $hw_ok (yes or no) and $hw_why from `$vk -P`, vkernel's own answer
# to "can hw paging run here, and if not why" (the reason in its parentheses).
# Fails the test unless -P printed exactly one line "hw paging: yes (WHY)"
# with exit 0 or "hw paging: no (WHY)" with exit 69, and nothing on stderr.
hw_probe()
{
	"$vk" -P >probe.out 2>probe.err
	st=$?
	out=$(cat probe.out)
	[ -s probe.err ] && atf_fail "vkernel -P wrote on stderr: $(cat probe.err)"
	[ "$(grep -c '' probe.out)" = 1 ] ||
	    atf_fail "vkernel -P printed other than one line: $out"
	case $st/$out in
	"0/hw paging: yes ("?*")") hw_ok=yes ;;
	"69/hw paging: no ("?*")") hw_ok=no ;;
	*) atf_fail "vkernel -P: exit $st with '$out'" ;;
	esac
	hw_why=${out#*\(}
	hw_why=${hw_why%\)}
	rm -f probe.out probe.err
}

# has_line FILE TEXT: FILE has a line that is exactly TEXT.
has_line()
{
	grep -qxF -- "$2" "$1" ||
	    atf_fail "no line '$2' in $1: $(cat "$1")"
}

# leftovers_check SID GUEST: no live process remains in session SID nor runs
# GUEST (the sw path's host stub must die with vkernel).
leftovers_check()
{
	left=""
	i=0
	while [ $i -lt 50 ]; do
		# Zombies waiting for init do not count: they run nothing.
		left=$(ps -eo pid=,sid=,stat= |
		    awk -v s="$1" '$2 == s && $3 !~ /^Z/ { print $1 }')
		[ -z "$left" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	if [ -n "$left" ]; then
		ps -o pid,ppid,stat,args -s "$1" || true
		atf_fail "host processes left in session $1: $left"
	fi
	if pgrep -f "$2" >/dev/null; then
		pgrep -a -f "$2" || true
		atf_fail "host processes left running $2"
	fi
}

# rss_bound MIB: the bound docs/design.md states for the vkernel's resident
# memory at -m MIB, in KiB: the guest memory, the VM metadata budget
# (-m/8 + 8 MiB), the kernel memory budget (-m/4 + 16 MiB), the soft
# backend's records of host mappings (80 bytes each, at most two per guest
# page and 32768 more) and 16 MiB for the program, its libraries and one
# system call's transient buffers.
rss_bound()
{
	m=$(($1 * 1024))
	echo $((m + m / 8 + 8192 + m / 4 + 16384 + \
	    (2 * (m / 4) + 32768) * 80 / 1024 + 16384))
}

# rss_check TIMEFILE MIB: TIMEFILE holds the line "rss KIB" that
# `/usr/bin/time -f 'rss %M'` wrote for a vkernel run at -m MIB; prints
# the peak and the bound, and fails if the peak passed it.
rss_check()
{
	rss=$(sed -n 's/^rss \([0-9][0-9]*\)$/\1/p' "$1" | tail -n 1)
	[ -n "$rss" ] || atf_fail "no 'rss N' line in $1: $(cat "$1")"
	bound=$(rss_bound "$2")
	echo "vkernel peak resident: $rss KiB, bound at -m ${2}m: $bound KiB"
	[ "$rss" -le "$bound" ] ||
	    atf_fail "peak resident $rss KiB passed the bound $bound KiB"
}

# guest_check GUEST MODE: `GUEST MODE` passes natively and then under
# vkernel (both libcs, also at -n 2), printing "MODE ok: N checks" with
# the same N and nothing on stderr; the vkernel's malloc poisons what it
# frees (glibc.malloc.perturb), so an object used after it went crashes
# rather than working by luck.
guest_check()
{
	for v in glibc musl; do
		need_guest $1-$v
		timeout 60 "$gdir/$1-$v" $2 >native.out 2>native.err ||
		    atf_fail "$1 $2 failed natively: $(cat native.out native.err)"
		grep -Eq "^$2 ok: [0-9]+ checks$" native.out ||
		    atf_fail "$1 $2 natively: $(cat native.out)"
		atf_check -s exit:0 -o file:native.out -e empty \
		    env GLIBC_TUNABLES=glibc.malloc.perturb=165 \
		    timeout 60 "$vk" -m 64m "$gdir/$1-$v" $2
		atf_check -s exit:0 -o file:native.out -e empty \
		    timeout 60 "$vk" -n 2 -m 64m "$gdir/$1-$v" $2
	done
}

# guest_case NAME GUEST MODE DESCRIPTION: defines the test case NAME.
guest_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$4'; }"
	eval "$1_body() { guest_check $2 $3; }"
}
