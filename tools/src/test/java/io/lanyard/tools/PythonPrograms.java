package io.lanyard.tools;

import io.lanyard.testkit.Shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The servers and clients the routing tests run inside namespaces, as {@code python3 -c} programs
 * (python3 is on every e2e machine; curl is not on the CI one). Both sides say which address they
 * saw the other at, so a test asserts translation from either end.
 */
final class PythonPrograms
{
    /**
     * {@code ADDRESS HTTP_PORT UDP_PORT}: an HTTP server that answers every GET with
     * {@code saw IP:PORT PATH} and a UDP echo that answers {@code saw IP:PORT PAYLOAD}; a payload
     * {@code late:SECONDS:COPIES} is answered that much later, that many times. Every request is logged as
     * {@code http from IP:PORT PATH} or {@code udp from IP:PORT PAYLOAD}; {@code ready} once both
     * sockets are bound.
     */
    static final String SERVER = String.join("\n",
        "import http.server, socket, sys, threading, time",
        "address, http_port, udp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
        "class Handler(http.server.BaseHTTPRequestHandler):",
        "    def do_GET(self):",
        "        body = ('saw %s:%d %s\\n' % (self.client_address[0], self.client_address[1], self.path)).encode()",
        "        self.send_response(200)",
        "        self.send_header('Content-Length', str(len(body)))",
        "        self.end_headers()",
        "        self.wfile.write(body)",
        "    def log_message(self, fmt, *args):",
        "        print('http from %s:%d %s' % (self.client_address[0], self.client_address[1], self.path), flush=True)",
        "udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "udp.bind((address, udp_port))",
        "server = http.server.ThreadingHTTPServer((address, http_port), Handler)",
        "def echo():",
        "    while True:",
        "        data, peer = udp.recvfrom(4096)",
        "        text = data.decode(errors='replace')",
        "        print('udp from %s:%d %s' % (peer[0], peer[1], text), flush=True)",
        "        copies = 1",
        "        if text.startswith('late:'):",
        "            time.sleep(float(text.split(':')[1]))",
        "            copies = int(text.split(':')[2])",
        "        for _ in range(copies):",
        "            udp.sendto(('saw %s:%d %s' % (peer[0], peer[1], text)).encode(), peer)",
        "threading.Thread(target=echo, daemon=True).start()",
        "print('ready', flush=True)",
        "server.serve_forever()");

    /**
     * {@code http URL TIMEOUT}, {@code tcp HOST PORT TIMEOUT} (connect only) or
     * {@code udp HOST PORT PAYLOAD TIMEOUT [SOURCE_PORT]} (a connected socket: an ICMP port
     * unreachable shows as refused). Prints the answer, or {@code error: refused},
     * {@code error: timeout} or another error, and then exits 1.
     */
    static final String CLIENT = String.join("\n",
        "import socket, sys, urllib.request",
        "def reason(e):",
        "    e = getattr(e, 'reason', e)",
        "    if isinstance(e, ConnectionRefusedError): return 'refused'",
        "    if isinstance(e, (socket.timeout, TimeoutError)): return 'timeout'",
        "    return repr(e)",
        "a = sys.argv[1:]",
        "try:",
        "    if a[0] == 'http':",
        "        print(urllib.request.urlopen(a[1], timeout=float(a[2])).read().decode(), end='')",
        "    elif a[0] == 'tcp':",
        "        socket.create_connection((a[1], int(a[2])), timeout=float(a[3])).close()",
        "        print('connected')",
        "    else:",
        "        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "        if len(a) > 5: s.bind(('0.0.0.0', int(a[5])))",
        "        s.settimeout(float(a[4]))",
        "        s.connect((a[1], int(a[2])))",
        "        s.send(a[3].encode())",
        "        print(s.recv(4096).decode())",
        "except Exception as e:",
        "    print('error: ' + reason(e))",
        "    sys.exit(1)");

    /**
     * {@code TAP UID GUEST_MAC GUEST_IP PEER_IP}: a VM monitor and its guest in one. It opens
     * {@code /dev/net/tun} as root, drops to {@code UID} (no capabilities left), attaches to the
     * persistent {@code TAP} by name ({@code IFF_TAP|IFF_NO_PI}, as QEMU does) and then answers
     * ARP and ICMP echo for {@code GUEST_IP} itself, while it asks for {@code PEER_IP}'s MAC and
     * pings it every 0.3 s. It logs {@code attached}, {@code refused ERRNO} (and exits) when the
     * kernel will not let it attach, {@code arp-reply MAC} for the peer's ARP replies, and
     * {@code echo-reply SEQ} for each echo reply from the peer.
     */
    static final String GUEST = String.join("\n",
        "import fcntl, os, select, struct, sys, time",
        "tap, uid, mac, ip, peer = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3].replace(':', '')), " +
            "bytes(map(int, sys.argv[4].split('.'))), bytes(map(int, sys.argv[5].split('.')))",
        "fd = os.open('/dev/net/tun', os.O_RDWR)",
        "os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)",
        "try:",
        "    fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH22x', tap.encode(), 0x0002 | 0x1000))",
        "except OSError as e:",
        "    print('refused %d' % e.errno, flush=True); sys.exit(0)",
        "print('attached as %d' % os.getuid(), flush=True)",
        "def csum(b):",
        "    if len(b) % 2: b += b'\\0'",
        "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16",
        "    return (~s) & 0xffff",
        "def arp(op, dst_mac, target_mac, target_ip):",
        "    return dst_mac + mac + b'\\x08\\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) + mac + ip + target_mac + target_ip",
        "def ipv4(dst_mac, dst, icmp):",
        "    h = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 0, 0x4000, 64, 1, 0, ip, dst))",
        "    h[10:12] = struct.pack('!H', csum(bytes(h)))",
        "    return dst_mac + mac + b'\\x08\\x00' + bytes(h) + icmp",
        "def echo(kind, ident, seq, payload):",
        "    b = bytearray(struct.pack('!BBHHH', kind, 0, 0, ident, seq) + payload)",
        "    b[2:4] = struct.pack('!H', csum(bytes(b)))",
        "    return bytes(b)",
        "peer_mac, seq, next_send = None, 0, 0.0",
        "while True:",
        "    now = time.time()",
        "    if now >= next_send:",
        "        next_send = now + 0.3",
        "        if peer_mac is None:",
        "            os.write(fd, arp(1, b'\\xff' * 6, b'\\0' * 6, peer))",
        "        else:",
        "            seq += 1",
        "            os.write(fd, ipv4(peer_mac, peer, echo(8, 0x4c59, seq, b'lanyard-guest')))",
        "    if not select.select([fd], [], [], 0.1)[0]:",
        "        continue",
        "    f = os.read(fd, 65536)",
        "    kind = f[12:14]",
        "    if kind == b'\\x08\\x06' and len(f) >= 42:",
        "        op, sender_mac, sender_ip, target_ip = struct.unpack('!H', f[20:22])[0], f[22:28], f[28:32], f[38:42]",
        "        if op == 1 and target_ip == ip:",
        "            os.write(fd, arp(2, sender_mac, sender_mac, sender_ip))",
        "        elif op == 2 and sender_ip == peer:",
        "            if peer_mac is None: print('arp-reply ' + sender_mac.hex(':'), flush=True)",
        "            peer_mac = sender_mac",
        "    elif kind == b'\\x08\\x00' and len(f) >= 42 and f[23] == 1 and f[30:34] == ip:",
        "        head = (f[14] & 0x0f) * 4",
        "        icmp = f[14 + head:14 + struct.unpack('!H', f[16:18])[0]]",
        "        if icmp[0] == 8:",
        "            os.write(fd, ipv4(f[6:12], f[26:30], echo(0, struct.unpack('!H', icmp[4:6])[0], " +
            "struct.unpack('!H', icmp[6:8])[0], icmp[8:])))",
        "        elif icmp[0] == 0 and f[26:30] == peer:",
        "            print('echo-reply %d' % struct.unpack('!H', icmp[6:8])[0], flush=True)");

    private PythonPrograms()
    {
    }

    /** Starts {@link #SERVER} in {@code netns} and waits for it to listen; its log is {@code log}. */
    static void serve(final LanyardHost host, final String netns, final Path log, final String address, final int httpPort, final int udpPort)
    {
        final Process server = host.namespaces.spawn(netns, log, "python3", "-c", SERVER, address,
            Integer.toString(httpPort), Integer.toString(udpPort));
        awaitReady(log, server::isAlive);
    }

    /** Waits until a {@link #SERVER} logging to {@code log} is ready. */
    static void awaitReady(final Path log, final java.util.function.BooleanSupplier alive)
    {
        if (!LanyardHost.eventually(Duration.ofSeconds(15), () -> LanyardHost.readQuietly(log).contains("ready") || !alive.getAsBoolean()) ||
            !LanyardHost.readQuietly(log).contains("ready"))
        {
            throw new AssertionError("server did not start:\n" + LanyardHost.readQuietly(log));
        }
    }

    /** {@link #CLIENT} in {@code netns}. */
    static Shell.Result client(final LanyardHost host, final String netns, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("python3", "-c", CLIENT));
        command.addAll(List.of(args));
        return host.namespaces.exec(netns, command.toArray(String[]::new));
    }

    /** The namespace and arguments of a {@link #client} run, for messages (without the program text). */
    static String describe(final Shell.Result result)
    {
        final List<String> command = result.command();
        return command.size() < 7 ? String.join(" ", command) : command.get(3) + ": " + String.join(" ", command.subList(7, command.size()));
    }

    /** The {@link #client} run succeeded and printed an answer that starts with {@code prefix} ({@code why} says what it shows). */
    static void assertStartsWith(final String prefix, final Shell.Result result, final String why)
    {
        assertTrue(result.status() == 0 && result.output().startsWith(prefix),
            (why.isEmpty() ? "" : why + ": ") + "expected " + prefix + "... from " + describe(result) +
                " but got " + result.status() + " " + result.output());
    }

    static Shell.Result http(final LanyardHost host, final String netns, final String url)
    {
        return client(host, netns, "http", url, "5");
    }

    static Shell.Result udp(final LanyardHost host, final String netns, final String address, final int port, final String payload)
    {
        return client(host, netns, "udp", address, Integer.toString(port), payload, "3");
    }

    /**
     * {@code ADDRESS PORT COUNT}: binds a UDP socket, prints {@code ready}, then a line
     * {@code LENGTH FIRST_BYTE whole|mixed} for each of COUNT datagrams ("whole": every byte is the
     * first one), waiting at most 10 s for each.
     */
    static final String UDP_TRAIN_RECEIVER = String.join("\n",
        "import socket, sys",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.bind((sys.argv[1], int(sys.argv[2])))",
        "s.settimeout(10)",
        "print('ready', flush=True)",
        "for _ in range(int(sys.argv[3])):",
        "    d = s.recv(65535)",
        "    print(len(d), d[0], 'whole' if d == bytes([d[0]]) * len(d) else 'mixed', flush=True)");

    /**
     * {@code ADDRESS PORT SIZE COUNT}: one {@code sendto} of COUNT datagrams of SIZE bytes on a
     * socket with {@code UDP_SEGMENT} (datagram i is SIZE bytes of value i), as QUIC stacks send.
     * Through an interface with {@code tx-udp-segmentation} the train leaves as one GSO frame.
     */
    static final String UDP_GSO_SENDER = String.join("\n",
        "import socket, sys",
        "size, count = int(sys.argv[3]), int(sys.argv[4])",
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "s.setsockopt(socket.IPPROTO_UDP, 103, size)  # UDP_SEGMENT",
        "s.sendto(b''.join(bytes([i]) * size for i in range(count)), (sys.argv[1], int(sys.argv[2])))");

    /** What {@link #UDP_TRAIN_RECEIVER} prints after {@code ready} for a whole train from {@link #UDP_GSO_SENDER}. */
    static List<String> udpTrain(final int size, final int count)
    {
        final List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            lines.add(size + " " + i + " whole");
        }
        return lines;
    }

    /**
     * Waits for the {@link #UDP_TRAIN_RECEIVER} writing {@code log} to be ready, has {@code send} send
     * it a {@link #UDP_GSO_SENDER} train, and asserts every datagram arrived whole and in order (the
     * receiver's kernel drops one with a bad checksum).
     */
    static void assertUdpTrainArrives(final Path log, final Process receiver, final Runnable send, final int size, final int count)
        throws Exception
    {
        try
        {
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> read(log).contains("ready")), "receiver: " + read(log));
            send.run();
            receiver.waitFor(15, TimeUnit.SECONDS);
            assertEquals(udpTrain(size, count), read(log).lines().filter(line -> !line.equals("ready")).toList(),
                "every datagram of the train, whole and in order");
        }
        finally
        {
            receiver.destroyForcibly();
            receiver.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static String read(final Path log)
    {
        try
        {
            return Files.readString(log);
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }
}
