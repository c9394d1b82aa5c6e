#!/usr/bin/env atf-sh
# cred_test.sh: the guest's identity (the setuid family, setfsuid, groups, capabilities, exec of set-id programs, kill permission, host file access under the guest's ids, posix_spawn and GNU make): each mode of the cred guest runs natively first, then under vkernel -v, which must give every page back.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# 65534 with no groups but the group of /dev/kvm (Debian's 0660 root:kvm)
# when it has one other than root's, as a user allowed to use KVM.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ -c /dev/kvm ] && [ "$(stat -c %g /dev/kvm)" != 0 ]; then
	NOBODY="setpriv --reuid=65534 --regid=65534 --groups=$(stat -c %g /dev/kvm)"
fi

need_root()
{
	[ "$(id -u)" = 0 ] ||
	    atf_skip "needs root (setuid, setgroups, chown of test files); running as uid $(id -u)"
}

# cred_one LIBC MODE [ARG...]: `cred-LIBC MODE ARG...` prints only
# "MODE ok: N checks" and exits 0, natively and under the vkernel, run
# each time behind $CRED_WRAP (empty, or a setpriv command).
cred_one()
{
	need_guest cred-$1
	co_g="$gdir/cred-$1"
	co_m=$2
	shift 2
	atf_check -s exit:0 -o save:native.out -e empty \
	    timeout 120 $CRED_WRAP "$co_g" "$co_m" "$@"
	only_line native.out "^$co_m ok: [0-9]+ checks\$"
	atf_check -s exit:0 -o save:vk.out -e save:vk.err \
	    timeout 300 $CRED_WRAP "$vk" -v -m 64m "$co_g" "$co_m" "$@"
	only_line vk.out "^$co_m ok: [0-9]+ checks\$"
	pages_back vk.err
}

# cred_case NAME MODE ROOT DESCRIPTION: the test case NAME runs cred_one
# MODE with glibc and musl (ROOT: yes when it needs root).
cred_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$4'; }"
	if [ "$3" = yes ]; then
		eval "$1_body() { need_root; cred_one glibc $2; cred_one musl $2; }"
	else
		eval "$1_body() { cred_one glibc $2; cred_one musl $2; }"
	fi
}

cred_case ids__setuid_family ids yes \
    "setresuid/setreuid/setuid/seteuid and the gid forms from root, getresuid after each, EPERM after the drop, capabilities dropped (or kept with PR_SET_KEEPCAPS), effective caps following euid, setfsuid return values and the fs capabilities, /proc/self/status"
cred_case groups__set_get groups yes \
    "setgroups/getgroups: sorted, duplicates kept, EINVAL past 65536 and for a short list, EFAULT, inherited by fork, EPERM without CAP_SETGID, the Groups line"
cred_case caps__get_set_prctl caps yes \
    "capget/capset v1/v2/v3 and an unknown version (preferred one written back), another pid (capget yes, capset EPERM), the capset rules, PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT, no_new_privs, the Cap lines"
cred_case fork__inherits fork yes \
    "fork copies ids, fs ids, groups, capabilities and keepcaps; the child changes only its own; waitid reports the real uid of the child as si_uid"
cred_case kill__permission kill yes \
    "A dropped process gets EPERM signalling a root one (kill, tgkill, a group) but may send SIGCONT in its session and kill(-1); root may signal it; si_uid is the real uid of the sender"
cred_case spawn__resetids spawn no \
    "posix_spawn with POSIX_SPAWN_RESETIDS (what GNU make does) and, as root with euid 1000, with and without it"

# A directory under /tmp that uid 65534 can traverse, removed by cleanup.
shared_dir()
{
	sd=$(mktemp -d /tmp/vk-cred.XXXXXX) || atf_fail "mktemp"
	echo "$sd" >shared_dir.path
	chmod 755 "$sd"
}

shared_cleanup()
{
	[ -f shared_dir.path ] && rm -rf "$(cat shared_dir.path)"
	return 0
}

# setid_copies: suid-LIBC (4242:4343, mode 6755) and plain-LIBC copies
# of the guest in $sd.
setid_copies()
{
	for v in glibc musl; do
		need_guest cred-$v
		cp "$gdir/cred-$v" "$sd/suid-$v"
		chown 4242:4343 "$sd/suid-$v"
		chmod 6755 "$sd/suid-$v"
		cp "$gdir/cred-$v" "$sd/plain-$v"
		chmod 755 "$sd/plain-$v"
	done
}

atf_test_case exec__setid cleanup
exec__setid_head()
{
	atf_set descr "exec of a set-user-ID and set-group-ID copy (owned by 4242:4343, mode 6755) and of a plain one, as root, as 65534, with euid != ruid, under no_new_privs, with ambient capabilities: the ids, AT_SECURE, AT_UID..AT_EGID and the capabilities each image sees; pid 1 itself exec'ing the set-id copy"
}
exec__setid_body()
{
	need_root
	shared_dir
	setid_copies
	for v in glibc musl; do
		CRED_WRAP= cred_one $v suid "$sd/suid-$v" "$sd/plain-$v"
		# The first program is exec'd by the vkernel itself.
		bnd=$(awk '$1 == "CapBnd:" { sub(/^0+/, "", $2); print $2 }' \
		    /proc/self/status)
		set -- show 0 4242 4242 0 4343 4343 1 "$bnd" 0
		atf_check -s exit:0 -o empty -e empty "$sd/suid-$v" "$@"
		atf_check -s exit:0 -o empty -e save:vk.err \
		    "$vk" -v "$sd/suid-$v" "$@"
		pages_back vk.err
	done
}
exec__setid_cleanup()
{
	shared_cleanup
}

# host_tree: $sd/h (0755 root) with secret (0600), grp (0640 root:4444)
# and pub/ (1777).
host_tree()
{
	h="$sd/h"
	mkdir "$h" "$h/pub"
	chmod 755 "$h"
	chmod 1777 "$h/pub"
	echo secret >"$h/secret"
	chmod 600 "$h/secret"
	echo group >"$h/grp"
	chgrp 4444 "$h/grp"
	chmod 640 "$h/grp"
}

atf_test_case host__files cleanup
host__files_head()
{
	atf_set descr "With a root vkernel the host checks file access as the guest: after setfsuid or a drop to 65534 a 0600 root file is EACCES and created files belong to the fs ids, a supplementary group opens a 0640 file, access() uses the real ids; fork, exec, getcwd and dirfds (the vkernel's own /proc/self/fd and stub maps) work after the drop, also for a vkernel without CAP_SYS_PTRACE"
}
host__files_body()
{
	need_root
	shared_dir
	host_tree
	for wrap in "" "setpriv --bounding-set=-sys_ptrace"; do
		for v in glibc musl; do
			rm -f "$h"/pub/*
			CRED_WRAP=$wrap cred_one $v hostfs "$h"
			rm -f "$h"/pub/*
		done
	done
}
host__files_cleanup()
{
	shared_cleanup
}

atf_test_case host__pdeathsig
host__pdeathsig_head()
{
	atf_set descr "A parent-death signal set on the vkernel survives a guest that changes its fs ids (the host clears it then): killing the parent of a root vkernel whose guest dropped to 65534 ends the vkernel"
}
host__pdeathsig_body()
{
	need_root
	need_guest cred-glibc
	sh -c 'setpriv --pdeathsig=KILL "$0" "$1" dropwait >drop.out &
	    echo $! >vk.pid; wait' "$vk" "$gdir/cred-glibc" &
	parent=$!
	i=0
	until grep -qx dropped drop.out 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || atf_fail "the guest never said dropped"
		sleep 0.1
	done
	vkpid=$(cat vk.pid)
	kill -KILL "$parent"
	i=0
	# Gone, or a zombie for whoever reaps it now.
	while kill -0 "$vkpid" 2>/dev/null &&
	    [ "$(awk '{ print $3 }' "/proc/$vkpid/stat" 2>/dev/null)" != Z ]; do
		i=$((i + 1))
		if [ $i -ge 50 ]; then
			kill -KILL "$vkpid"
			atf_fail "the vkernel outlived its parent: its parent-death signal was lost"
		fi
		sleep 0.1
	done
}

atf_test_case virtual__unprivileged cleanup
virtual__unprivileged_head()
{
	atf_set descr "A vkernel without CAP_SETUID/CAP_SETGID (as 65534 when the test is root): the guest has the vkernel's ids and no capabilities, may set only those (EPERM otherwise), posix_spawn works, and a set-id program owned by another user leaves its ids alone (natively it would get them)"
}
virtual__unprivileged_body()
{
	vk_setup
	if [ "$(id -u)" = 0 ]; then
		CRED_WRAP=$NOBODY
	else
		CRED_WRAP=
	fi
	if [ "${VKERNEL_PAGING:-}" = hw ] &&
	    ! $CRED_WRAP "$vk" -P >probe.out 2>&1; then
		atf_skip "VKERNEL_PAGING=hw, and as uid $($CRED_WRAP id -u) the vkernel says: $(cat probe.out)"
	fi
	for v in glibc musl; do
		cred_one $v unpriv
		cred_one $v spawn
	done
	[ "$(id -u)" = 0 ] || return 0
	shared_dir
	setid_copies
	for v in glibc musl; do
		# Natively the set-id bits give 65534 the file's ids...
		atf_check -s exit:0 -o empty -e empty $NOBODY "$sd/suid-$v" \
		    show 65534 4242 4242 65534 4343 4343 1 0 0
		# ...which a vkernel that cannot take them never gives.
		atf_check -s exit:0 -o empty -e save:vk.err $NOBODY "$vk" -v \
		    "$sd/suid-$v" show 65534 65534 65534 65534 65534 65534 0 0 0
		pages_back vk.err
	done
}
virtual__unprivileged_cleanup()
{
	shared_cleanup
}

atf_test_case make__gcc
make__gcc_head()
{
	atf_set descr "GNU make (posix_spawn with POSIX_SPAWN_RESETIDS) builds a one-file C program with gcc and runs it, under -r / with the output of native make"
}
make__gcc_body()
{
	vk_setup
	[ -x /usr/bin/make ] || atf_fail "/usr/bin/make is missing (a build dependency)"
	command -v gcc >/dev/null || atf_fail "gcc is missing (a build dependency)"
	mkdir prog
	cat >prog/hello.c <<'EOF'
#include <stdio.h>
int main(void) { printf("hello from %s\n", "make"); return 0; }
EOF
	printf 'hello: hello.c\n\tgcc -O1 -o hello hello.c\n\t./hello\n' \
	    >prog/Makefile
	atf_check -s exit:0 -o save:native.out -e empty \
	    timeout 120 /usr/bin/make -C "$PWD/prog"
	has_line native.out "hello from make"
	rm prog/hello
	atf_check -s exit:0 -o save:vk.out -e save:vk.err \
	    timeout 600 "$vk" -v -r / /usr/bin/make -C "$PWD/prog"
	atf_check -o file:native.out cat vk.out
	test -x prog/hello || atf_fail "no prog/hello built"
	pages_back vk.err
}

atf_init_test_cases()
{
	atf_add_test_case ids__setuid_family
	atf_add_test_case groups__set_get
	atf_add_test_case caps__get_set_prctl
	atf_add_test_case fork__inherits
	atf_add_test_case kill__permission
	atf_add_test_case spawn__resetids
	atf_add_test_case exec__setid
	atf_add_test_case host__files
	atf_add_test_case host__pdeathsig
	atf_add_test_case virtual__unprivileged
	atf_add_test_case make__gcc
}
