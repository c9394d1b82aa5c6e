#!/usr/bin/env atf-sh
# net_test.sh: network sockets (AF_INET, AF_INET6, netlink route) behave as on Linux (the inet guest is checked natively first), in a guest network of their own unless -I host, and what reaches the host is contained.

. "$(atf_get_srcdir)/vk_common.sh"

# inet_check MODE: `inet MODE` passes natively and under vkernel (the
# default network: a namespace of its own), both libcs.
inet_check()
{
	for v in glibc musl; do
		need_guest inet-$v
		atf_check -s exit:0 -o match:"^inet ok: [0-9]+ checks$" \
		    timeout 60 "$gdir/inet-$v" "$1"
		atf_check -s exit:0 -o match:"^inet ok: [0-9]+ checks$" \
		    -e empty timeout 60 "$vk" -m 64m "$gdir/inet-$v" "$1"
	done
}

# wait_for FILE TEXT WHAT: waits up to 20 s for TEXT in FILE, else fails
# saying WHAT did not start.
wait_for()
{
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && atf_fail "$3 did not start: $(cat "$1")"
		sleep 0.1
	done
}

# A port nothing else here is likely to use.
port()
{
	echo $((20000 + $$ % 20000))
}

atf_test_case loopback__tcp_udp
loopback__tcp_udp_head()
{
	atf_set "descr" "TCP over 127.0.0.1 and ::1 between a parent and a child (1 MiB each way, MSG_WAITALL, a blocking write whole, EOF after shutdown, accept4 SOCK_CLOEXEC, TCP_NODELAY); UDP over both (sendto/recvfrom names, MSG_PEEK, MSG_TRUNC, FIONREAD, connect, SO_RCVTIMEO's EAGAIN after the timeout, MSG_DONTWAIT)"
}
loopback__tcp_udp_body()
{
	inet_check tcp
	inet_check udp
}

atf_test_case loopback__nonblock_names
loopback__nonblock_names_head()
{
	atf_set "descr" "Non-blocking connect and accept (EINPROGRESS, EAGAIN, SO_ERROR), poll and epoll readiness, fstat S_IFSOCK and the socket:[N] link, EPIPE/ECONNRESET and ECONNREFUSED; an RTM_GETLINK netlink dump, getifaddrs and if_nametoindex find lo with 127.0.0.1, getaddrinfo of localhost; an unprivileged process may not bind port 80 (EACCES) nor change a link over netlink (EPERM)"
}
loopback__nonblock_names_body()
{
	inet_check nonblock
	inet_check names
	inet_check unpriv
}

atf_test_case contain__host_socket
contain__host_socket_head()
{
	atf_set "descr" "What no guest may ask of its host socket, though root could natively: SO_ATTACH_FILTER (a pointer the host would follow), SO_MARK, TCP_ULP (ENOPROTOOPT), raw IP (EPERM), netlink families but route and AF_PACKET, a netlink message to another port (EPERM), huge or bad addresses (EINVAL, EFAULT)"
}
contain__host_socket_body()
{
	for v in glibc musl; do
		need_guest inet-$v
		atf_check -s exit:0 -o match:"^inet ok: [0-9]+ checks$" \
		    -e empty timeout 60 "$vk" -m 64m "$gdir/inet-$v" contain
		atf_check -s exit:0 -o match:"^inet ok: [0-9]+ checks$" \
		    -e empty timeout 60 "$vk" -I host -m 64m "$gdir/inet-$v" \
		    contain
	done
}

atf_test_case isolate__none_and_host
isolate__none_and_host_head()
{
	atf_set "descr" "By default (-I none) a guest reaches no host listener on 127.0.0.1 and a guest listener is not reachable from the host; -I host shares the host's network both ways; -v names the network"
}
isolate__none_and_host_body()
{
	need_guest inet-glibc
	p=$(port)
	# a host listener
	timeout 30 "$gdir/inet-glibc" serve $p 20 >host.out &
	bg=$!
	wait_for host.out listening "the host listener"
	atf_check -s exit:1 -o inline:"connect: Connection refused\n" \
	    -e empty timeout 30 "$vk" -m 64m "$gdir/inet-glibc" probe $p
	atf_check -s exit:0 -o inline:"connected\n" -e empty \
	    timeout 30 "$vk" -I host -m 64m "$gdir/inet-glibc" probe $p
	wait $bg
	atf_check -o inline:"listening\nvisited\n" cat host.out
	# a guest listener, -I none: the host cannot reach it
	timeout 30 "$vk" -m 64m "$gdir/inet-glibc" serve $p 3 >guest.out &
	bg=$!
	wait_for guest.out listening "the guest listener"
	atf_check -s exit:1 -o inline:"connect: Connection refused\n" \
	    timeout 30 "$gdir/inet-glibc" probe $p
	wait $bg
	atf_check -o inline:"listening\nalone\n" cat guest.out
	atf_check -s exit:1 -o ignore -e match:"^vkernel: network: none \\(a namespace of its own, loopback only\\) \\(-I\\)$" \
	    timeout 30 "$vk" -v -m 64m "$gdir/inet-glibc" probe $p
	atf_check -s exit:1 -o ignore -e match:"^vkernel: network: host \\(the host's network\\) \\(-I\\)$" \
	    timeout 30 "$vk" -v -I host -m 64m "$gdir/inet-glibc" probe $p
	atf_check -s exit:64 -o empty -e match:"-I bogus: expected none, host or user" \
	    "$vk" -I bogus "$gdir/inet-glibc" probe $p
}

atf_test_case refused__no_namespace
refused__no_namespace_head()
{
	atf_set "descr" "Where the host forbids a network namespace (no CAP_SYS_ADMIN and user namespaces limited to 0), the vkernel says so in one line and AF_INET is EACCES, never the host's network"
}
refused__no_namespace_body()
{
	need_guest inet-glibc
	command -v setpriv >/dev/null || atf_skip "no setpriv (util-linux)"
	unshare -Ur true 2>/dev/null ||
	    atf_skip "unshare -Ur fails here (a chroot, as in tools/hwvm.sh, or user namespaces disabled): no user namespace to set the limit in"
	atf_check -s exit:1 -o inline:"socket: Permission denied\n" \
	    -e save:err unshare -Ur sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin "$@"' sh \
	    "$vk" -m 64m "$gdir/inet-glibc" probe 9
	atf_check -o inline:"1\n" grep -c . err
	atf_check -o ignore grep "^vkernel: guest network: the host refuses a network namespace (.*): AF_INET and AF_INET6 sockets are refused (EACCES)" err
}

atf_test_case killed__nothing_left
killed__nothing_left_head()
{
	atf_set "descr" "A vkernel killed with SIGKILL while a guest listens leaves no process behind (the network's factory dies with it) and the port is free again"
}
killed__nothing_left_body()
{
	need_guest inet-glibc
	p=$(port)
	setsid sh -c 'echo $$ >sid; exec "$@"' sh \
	    "$vk" -m 64m "$gdir/inet-glibc" serve $p 60 >out 2>err &
	i=0
	while ! grep -q listening out 2>/dev/null || [ ! -s sid ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && atf_fail "the guest listener did not start"
		sleep 0.1
	done
	sid=$(cat sid)
	kill -KILL "$sid"
	leftovers_check "$sid" "$gdir/inet-glibc serve"
	atf_check -s exit:0 -o inline:"listening\nalone\n" \
	    timeout 30 "$vk" -I host -m 64m "$gdir/inet-glibc" serve $p 1
}

atf_test_case debian__python3_sockets
debian__python3_sockets_head()
{
	atf_set "descr" "Debian's python3 serves a file over HTTP/1.0 from a forked child (selectors, accept) and fetches it by the name localhost (getaddrinfo, create_connection), inside the guest network"
}
debian__python3_sockets_body()
{
	[ -x /usr/bin/python3 ] ||
	    atf_skip "no /usr/bin/python3: install python3-minimal"
	vk_setup
	cat >fetch.py <<'EOF'
import os, selectors, socket, sys
srv = socket.create_server(("127.0.0.1", 0))
port = srv.getsockname()[1]
pid = os.fork()
if pid == 0:
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    sel.select(timeout=30)
    c, _ = srv.accept()
    req = b""
    while not req.endswith(b"\r\n\r\n"):
        req += c.recv(1)
    body = open(sys.argv[1], "rb").read() if req.startswith(b"GET /index.txt ") else b""
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.close()
    os._exit(0)
srv.close()
with socket.create_connection(("localhost", port), timeout=30) as c:
    c.sendall(b"GET /index.txt HTTP/1.0\r\nHost: localhost\r\n\r\n")
    data = b""
    while (d := c.recv(4096)):
        data += d
os.waitpid(pid, 0)
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode())
print(body.decode(), end="")
EOF
	echo "hello over http" >index.txt
	atf_check -s exit:0 -o inline:"HTTP/1.0 200 OK\nhello over http\n" \
	    timeout 120 /usr/bin/python3 fetch.py "$PWD/index.txt"
	atf_check -s exit:0 -o inline:"HTTP/1.0 200 OK\nhello over http\n" \
	    -e empty timeout 120 "$vk" -m 256m /usr/bin/python3 \
	    "$PWD/fetch.py" "$PWD/index.txt"
}

atf_test_case user__pasta
user__pasta_head()
{
	atf_set "descr" "-I user: pasta gives the guest's namespace an interface and a default route like the host's, and a connection to the gateway reaches a host listener on 127.0.0.1 (pasta's gateway mapping); the guest's own loopback still works"
}
user__pasta_body()
{
	need_guest inet-glibc
	command -v pasta >/dev/null ||
	    atf_skip "no pasta: install Debian's passt"
	gw=$(ip route show default | awk '/^default via/ { print $3; exit }')
	[ -n "$gw" ] || atf_skip "the host has no default route for pasta to copy"
	p=$(port)
	timeout 30 "$gdir/inet-glibc" serve $p 20 >host.out &
	bg=$!
	wait_for host.out listening "the host listener"
	atf_check -s exit:0 -o inline:"connected\n" -e empty \
	    timeout 30 "$vk" -I user -m 64m "$gdir/inet-glibc" probe $p $gw
	wait $bg
	atf_check -o inline:"listening\nvisited\n" cat host.out
	atf_check -s exit:0 -o match:"^inet ok: [0-9]+ checks$" -e empty \
	    timeout 60 "$vk" -I user -m 64m "$gdir/inet-glibc" tcp
	atf_check -s exit:1 -o ignore -e match:"^vkernel: network: user \\(a namespace of its own, outbound through pasta\\) \\(-I\\)$" \
	    timeout 30 "$vk" -v -I user -m 64m "$gdir/inet-glibc" probe 9
}

# py_check SCRIPT ARGS...: Debian's python3 runs the script (written by the
# case) natively, then under vkernel, with the same output.
py_check()
{
	[ -x /usr/bin/python3 ] ||
	    atf_skip "no /usr/bin/python3: install python3"
	/usr/bin/python3 -c 'import asyncio, socketserver, multiprocessing' \
	    2>/dev/null || atf_skip "python3's standard library is missing: install python3"
	vk_setup
	atf_check -s exit:0 -o save:native.out timeout 120 /usr/bin/python3 "$@"
	atf_check -s exit:0 -o file:native.out -e empty \
	    timeout 300 "$vk" -m 512m /usr/bin/python3 "$PWD/$1" "$PWD"
}

atf_test_case debian__python3_socketserver
debian__python3_socketserver_head()
{
	atf_set "descr" "Debian's python3 socketserver: a threading TCP server on 127.0.0.1 and a threading Unix stream server on a path, each echoing lines to a client, as natively"
}
debian__python3_socketserver_body()
{
	cat >ss.py <<'EOF'
import os, socket, socketserver, sys, threading
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"echo " + line)
def run(server, connect):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    with connect() as c:
        f = c.makefile("rwb")
        for w in (b"one\n", b"two\n"):
            f.write(w); f.flush()
            print(f.readline().decode(), end="")
        f.close()
    server.shutdown(); server.server_close()
tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
run(tcp, lambda: socket.create_connection(tcp.server_address))
path = os.path.join(sys.argv[1], "echo.sock")
unix = socketserver.ThreadingUnixStreamServer(path, Echo)
def uconn():
    s = socket.socket(socket.AF_UNIX); s.connect(path); return s
run(unix, uconn)
os.unlink(path)
print("socketserver done")
EOF
	py_check ss.py "$PWD"
}

atf_test_case debian__python3_asyncio
debian__python3_asyncio_head()
{
	atf_set "descr" "Debian's python3 asyncio: start_server on 127.0.0.1 and open_connection to localhost in one event loop (epoll), as natively"
}
debian__python3_asyncio_body()
{
	cat >aio.py <<'EOF'
import asyncio
async def handle(r, w):
    while (line := await r.readline()):
        w.write(line.upper()); await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    r, w = await asyncio.open_connection("localhost", port)
    for word in ("alpha\n", "beta\n"):
        w.write(word.encode()); await w.drain()
        print((await r.readline()).decode(), end="")
    w.close(); await w.wait_closed()
    srv.close(); await srv.wait_closed()
    print("asyncio done")
asyncio.run(main())
EOF
	py_check aio.py
}

atf_test_case debian__busybox_nc
debian__busybox_nc_head()
{
	atf_set "descr" "busybox nc listens on 127.0.0.1 in the background and busybox nc sends it a line, in a busybox shell under vkernel, as natively"
}
debian__busybox_nc_body()
{
	vk_setup
	[ -x /bin/busybox ] || atf_skip "no /bin/busybox: install busybox-static"
	cat >nc.sh <<'EOF'
p=$1
busybox nc -l -p $p > got.txt &
i=0
while [ $i -lt 50 ]; do
	echo "hello from nc" | busybox nc 127.0.0.1 $p && break
	i=$((i + 1)); sleep 0.1
done
wait
cat got.txt
EOF
	p=$(port)
	atf_check -s exit:0 -o inline:"hello from nc\n" -e ignore \
	    timeout 60 /bin/busybox sh nc.sh $p
	rm -f got.txt
	atf_check -s exit:0 -o inline:"hello from nc\n" -e ignore \
	    timeout 120 "$vk" -m 64m /bin/busybox sh "$PWD/nc.sh" $((p + 1))
}

atf_init_test_cases()
{
	atf_add_test_case loopback__tcp_udp
	atf_add_test_case loopback__nonblock_names
	atf_add_test_case contain__host_socket
	atf_add_test_case isolate__none_and_host
	atf_add_test_case refused__no_namespace
	atf_add_test_case killed__nothing_left
	atf_add_test_case debian__python3_sockets
	atf_add_test_case user__pasta
	atf_add_test_case debian__python3_socketserver
	atf_add_test_case debian__python3_asyncio
	atf_add_test_case debian__busybox_nc
}
