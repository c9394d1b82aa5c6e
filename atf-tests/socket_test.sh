#!/usr/bin/env atf-sh
# socket_test.sh: Unix-domain sockets between guest processes behave as on Linux (the sockets guest is checked natively first), and reach only guest sockets.

. "$(atf_get_srcdir)/vk_common.sh"

# sockets_check MODE: `sockets MODE DIR` passes natively and under
# vkernel, both libcs.  The vkernel's malloc poisons what it frees
# (glibc.malloc.perturb), so a socket used after it was freed crashes it
# rather than working by luck.
sockets_check()
{
	mkdir -p d
	for v in glibc musl; do
		need_guest sockets-$v
		atf_check -s exit:0 -o match:"^sockets ok: [0-9]+ checks$" \
		    timeout 60 "$gdir/sockets-$v" "$1" "$PWD/d"
		atf_check -s exit:0 -o match:"^sockets ok: [0-9]+ checks$" \
		    -e empty env GLIBC_TUNABLES=glibc.malloc.perturb=165 \
		    timeout 60 "$vk" -m 64m "$gdir/sockets-$v" "$1" "$PWD/d"
	done
}

atf_test_case pair__stream_dgram_seqpacket
pair__stream_dgram_seqpacket_head()
{
	atf_set "descr" "socketpair of each type: a stream joins writes, records keep their boundaries (MSG_TRUNC in msg_flags and as a flag), MSG_PEEK, EOF and EPIPE after shutdown and close, ECONNREFUSED for a closed DGRAM peer, SO_TYPE/SO_DOMAIN/SO_RCVBUF/SO_PEERCRED, fstat S_IFSOCK, the /proc fd link socket:[N], non-blocking EAGAIN and poll readiness, a listener's backlog (EAGAIN past it, room again after accept), SO_ACCEPTCONN"
}
pair__stream_dgram_seqpacket_body()
{
	sockets_check pair
}

atf_test_case names__path_and_abstract
names__path_and_abstract_head()
{
	atf_set "descr" "bind/listen/accept in a parent and connect in a child, on a path (the socket file is there) and an abstract name: EADDRINUSE, SO_PEERCRED gives the other's guest pid, getsockname, EOF when the child exits, ECONNREFUSED once the listener closed"
}
names__path_and_abstract_body()
{
	sockets_check names
}

atf_test_case rights__scm_rights
rights__scm_rights_head()
{
	atf_set "descr" "SCM_RIGHTS passes a pipe end and a file to a child (MSG_CMSG_CLOEXEC), a short control buffer gives MSG_CTRUNC and closes the rights, rights never received are closed with their socket (the pipe reader sees EOF), a socket sent over itself does not stop the vkernel from exiting, and one that holds a pipe's writer is collected (EOF on the pipe)"
}
rights__scm_rights_body()
{
	sockets_check rights
}

atf_test_case creds__scm_credentials
creds__scm_credentials_head()
{
	atf_set "descr" "SCM_CREDENTIALS with SO_PASSCRED: the sender's own guest pid and ids, sent or implied; another's pid is EPERM for an unprivileged sender"
}
creds__scm_credentials_body()
{
	sockets_check creds
}

atf_test_case procs__blocking_transfers
procs__blocking_transfers_head()
{
	atf_set "descr" "Between a parent and a child: 1 MiB each way through a listener's connection (writers wait for room, MSG_WAITALL), select on a listener, accept4 SOCK_CLOEXEC, non-blocking accept EAGAIN, ECONNREFUSED for a bound non-listener, EPROTOTYPE, DGRAM by path with the sender's name, sendmmsg and recvmmsg"
}
procs__blocking_transfers_body()
{
	sockets_check procs
}

atf_test_case race__blocked_calls_hold_sockets
race__blocked_calls_hold_sockets_head()
{
	atf_set "descr" "A recv blocked while another thread closes its descriptor gets the bytes written later; a send blocked on a full peer returns what it sent when the peer's process closes it, then EPIPE"
}
race__blocked_calls_hold_sockets_body()
{
	sockets_check race
}

atf_test_case budget__hoarded_sockets
budget__hoarded_sockets_head()
{
	atf_set "descr" "A guest that fills up to 400 socketpairs at -m 16m holds at most the kernel memory budget (-m/4 + 16 MiB): its writes stop with EAGAIN or ENOBUFS, new sockets fail once it is spent, and the vkernel goes on"
}
budget__hoarded_sockets_body()
{
	for v in glibc musl; do
		need_guest sockets-$v
		"$vk" -m 16m "$gdir/sockets-$v" hoard 400 >out 2>err ||
		    atf_fail "hoard: $(cat out err)"
		grep -Eqx "sockets ok: [0-9]+ checks" out ||
		    atf_fail "hoard: $(cat out)"
		kib=$(sed -n 's/^buffered \([0-9]*\) KiB in [0-9]* pairs$/\1/p' out)
		[ -n "$kib" ] || atf_fail "no count: $(cat out)"
		[ "$kib" -gt 1024 ] || atf_fail "only $kib KiB buffered"
		[ "$kib" -lt $((20 * 1024)) ] ||
		    atf_fail "$kib KiB buffered past the 20 MiB budget"
	done
}

atf_test_case sigpipe__default
sigpipe__default_head()
{
	atf_set "descr" "A write to a stream socket whose peer closed, SIGPIPE at its default: the guest ends with SIGPIPE (141)"
}
sigpipe__default_body()
{
	for v in glibc musl; do
		need_guest sockets-$v
		atf_check -s exit:141 -o inline:"writing\n" -e empty \
		    "$vk" -m 64m "$gdir/sockets-$v" sigpipe
	done
}

atf_test_case contain__host_socket_refused
contain__host_socket_refused_head()
{
	atf_set "descr" "A socket file beneath the root that no guest socket is bound to is ECONNREFUSED for connect and sendto: a stale one (as natively), and one a live host process listens on, which never sees a connection"
	atf_set require.progs python3
}
contain__host_socket_refused_body()
{
	need_guest sockets-glibc
	python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("stale.sock"); s.close()'
	atf_check -s exit:0 -o match:"^sockets ok" "$gdir/sockets-glibc" \
	    refused "$PWD/stale.sock"
	atf_check -s exit:0 -o match:"^sockets ok" -e empty \
	    "$vk" -m 64m "$gdir/sockets-glibc" refused "$PWD/stale.sock"
	cat >live.py <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("live.sock")
s.listen(4)
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind("live.dgram")
open("ready", "w").close()
s.settimeout(3)
try:
    s.accept()
    print("connected")
except socket.timeout:
    print("none")
d.setblocking(False)
try:
    d.recv(16)
    print("datagram")
except BlockingIOError:
    print("no datagram")
PY
	python3 live.py >live.out &
	i=0
	while [ ! -e ready ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -e ready ] || atf_fail "the host listener did not start"
	for v in glibc musl; do
		need_guest sockets-$v
		atf_check -s exit:0 -o match:"^sockets ok" -e empty \
		    "$vk" -m 64m "$gdir/sockets-$v" refused "$PWD/live.sock"
		atf_check -s exit:0 -o match:"^sockets ok" -e empty \
		    "$vk" -m 64m "$gdir/sockets-$v" refused "$PWD/live.dgram"
	done
	wait
	atf_check -o inline:"none\nno datagram\n" cat live.out
}

atf_test_case root__socket_file_beneath_root
root__socket_file_beneath_root_head()
{
	atf_set "descr" "Under -r, bind makes the socket file beneath the root (a socket-type node, as natively), never at the same path outside it"
}
root__socket_file_beneath_root_body()
{
	need_guest sockets-glibc
	mkdir -p root/d
	cp "$gdir/sockets-glibc" root/sockets
	atf_check -s exit:0 -o match:"^sockets ok" -e empty \
	    "$vk" -m 64m -r root /sockets bind /d/srv.sock
	test -S root/d/srv.sock || atf_fail "no socket file root/d/srv.sock"
	test -e /d/srv.sock && atf_fail "a socket file outside the root"
	atf_check -s exit:0 -o match:"^sockets ok" -e empty \
	    "$vk" -m 64m -r root /sockets bind /../../d/srv2.sock
	test -S root/d/srv2.sock || atf_fail "'..' left the root"
}

atf_test_case debian__python_socketpair
debian__python_socketpair_head()
{
	atf_set "descr" "Debian's python3 from the root: socket.socketpair, send and recv"
	atf_set require.progs python3
}
debian__python_socketpair_body()
{
	vk_setup
	atf_check -o inline:"b'x'\n" -e empty "$vk" /usr/bin/python3 -c \
	    'import socket; a,b=socket.socketpair(); a.send(b"x"); print(b.recv(1))'
}

atf_test_case cycles__collected
cycles__collected_head()
{
	atf_set "descr" "20000 sockets each sent over itself with a pipe's writer and left: collected as they go (Linux's unix_gc), so the guest never runs out of files (-m 64m allows 8192) and the last pipe sees EOF"
}
cycles__collected_body()
{
	for v in glibc musl; do
		need_guest sockets-$v
		atf_check -s exit:0 -o match:"^sockets ok: 2 checks$" \
		    timeout 120 "$gdir/sockets-$v" cycles 20000
		atf_check -s exit:0 -o match:"^sockets ok: 2 checks$" -e empty \
		    timeout 300 "$vk" -m 64m "$gdir/sockets-$v" cycles 20000
	done
}

atf_init_test_cases()
{
	atf_add_test_case cycles__collected
	atf_add_test_case pair__stream_dgram_seqpacket
	atf_add_test_case names__path_and_abstract
	atf_add_test_case rights__scm_rights
	atf_add_test_case creds__scm_credentials
	atf_add_test_case procs__blocking_transfers
	atf_add_test_case race__blocked_calls_hold_sockets
	atf_add_test_case budget__hoarded_sockets
	atf_add_test_case sigpipe__default
	atf_add_test_case contain__host_socket_refused
	atf_add_test_case root__socket_file_beneath_root
	atf_add_test_case debian__python_socketpair
}
