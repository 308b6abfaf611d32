package io.lanyard.tools;

import io.lanyard.testkit.Shell;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

    static Shell.Result http(final LanyardHost host, final String netns, final String url)
    {
        return client(host, netns, "http", url, "5");
    }

    static Shell.Result udp(final LanyardHost host, final String netns, final String address, final int port, final String payload)
    {
        return client(host, netns, "udp", address, Integer.toString(port), payload, "3");
    }
}
