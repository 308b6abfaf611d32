package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lanyard network create --driver NAME} with a remote driver plugin: Lanyard as the
 * client of Docker's protocol. The plugin is {@link #PLUGIN}, a Python program run inside the
 * daemon's namespace: it makes a kernel bridge per network and a veth pair per endpoint there,
 * one end on the bridge, the other handed to Lanyard to move into the sandbox. It is found
 * through a spec file in a plugin directory of the test's own ({@code --plugin-dirs}); nothing
 * is written to Docker's directories.
 */
class RemoteDriverE2E
{
    /**
     * A network driver plugin: argv socket, calls log (one JSON line per call), fail flag (its
     * text fails Join), wrong-interface flag (Join names its text, an interface it did not make).
     * It chooses each endpoint's MAC from its address ({@code 02:aa:} and the address's bytes), so
     * a sandbox that reconnects to its address keeps its MAC.
     */
    static final String PLUGIN = String.join("\n",
        "import json, os, socketserver, subprocess, sys",
        "from http.server import BaseHTTPRequestHandler",
        "sock, calls, fail, wrong = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]",
        "networks = {}",
        "def ip(*args):",
        "    subprocess.run(['ip'] + list(args), check=True, capture_output=True)",
        "def quiet(*args):",
        "    subprocess.run(['ip'] + list(args), capture_output=True)",
        "def answer(method, body):",
        "    if method == 'Plugin.Activate':",
        "        return 200, {'Implements': ['NetworkDriver']}",
        "    if method == 'NetworkDriver.GetCapabilities':",
        "        return 200, {'Scope': 'local'}",
        "    if method == 'NetworkDriver.CreateNetwork':",
        "        bridge = 'lyb' + body['NetworkID'][:8]",
        "        ip('link', 'add', bridge, 'type', 'bridge')",
        "        ip('link', 'set', bridge, 'up')",
        "        networks[body['NetworkID']] = bridge",
        "        return 200, {}",
        "    if method == 'NetworkDriver.DeleteNetwork':",
        "        quiet('link', 'del', networks.pop(body['NetworkID'], 'lyb' + body['NetworkID'][:8]))",
        "        return 200, {}",
        "    if method == 'NetworkDriver.CreateEndpoint':",
        "        address = body['Interface']['Address'].split('/')[0]",
        "        return 200, {'Interface': {'MacAddress': '02:aa:' + ':'.join('%02x' % int(b) for b in address.split('.'))}}",
        "    if method == 'NetworkDriver.Join':",
        "        if os.path.exists(fail):",
        "            return 500, {'Err': open(fail).read()}",
        "        if os.path.exists(wrong):",
        "            return 200, {'InterfaceName': {'SrcName': open(wrong).read(), 'DstPrefix': 'eth'}}",
        "        e = body['EndpointID']",
        "        ip('link', 'add', 'lyh' + e[:8], 'type', 'veth', 'peer', 'name', 'lyc' + e[:8])",
        "        ip('link', 'set', 'lyh' + e[:8], 'master', 'lyb' + body['NetworkID'][:8], 'up')",
        "        return 200, {'InterfaceName': {'SrcName': 'lyc' + e[:8], 'DstPrefix': 'eth'},",
        "                     'StaticRoutes': [{'Destination': '203.0.113.0/24', 'RouteType': 1}]}",
        "    if method in ('NetworkDriver.Leave', 'NetworkDriver.DeleteEndpoint'):",
        "        quiet('link', 'del', 'lyh' + body['EndpointID'][:8])",
        "        return 200, {}",
        "    return 404, {'Err': 'unknown method ' + method}",
        "class Handler(BaseHTTPRequestHandler):",
        "    protocol_version = 'HTTP/1.1'",
        "    def do_POST(self):",
        "        body = json.loads(self.rfile.read(int(self.headers.get('Content-Length', 0))) or b'{}')",
        "        method = self.path.lstrip('/')",
        "        with open(calls, 'a') as log:",
        "            log.write(json.dumps({'method': method, 'body': body}) + '\\n')",
        "        try:",
        "            status, reply = answer(method, body)",
        "        except subprocess.CalledProcessError as ex:",
        "            status, reply = 500, {'Err': ex.stderr.decode().strip()}",
        "        data = json.dumps(reply).encode()",
        "        self.send_response(status)",
        "        self.send_header('Content-Type', 'application/vnd.docker.plugins.v1.2+json')",
        "        self.send_header('Content-Length', str(len(data)))",
        "        self.send_header('Connection', 'close')",
        "        self.end_headers()",
        "        self.wfile.write(data)",
        "        self.close_connection = True",
        "    def log_message(self, *args):",
        "        pass",
        "class Server(socketserver.UnixStreamServer):",
        "    def get_request(self):",
        "        request, _ = super().get_request()",
        "        return request, ('plugin', 0)",
        "if os.path.exists(sock):",
        "    os.unlink(sock)",
        "server = Server(sock, Handler)",
        "print('ready', flush=True)",
        "server.serve_forever()");

    private LanyardHost host;
    private Path plugins;
    private Path calls;
    private Path failJoin;
    private Path wrongInterface;
    private String driver;

    @BeforeEach
    void setUp() throws IOException
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "python3");
        // JUnit runs tearDown also when setUp fails, so what setUp made is removed either way
        plugins = Files.createTempDirectory("lanyard-plugins-");
        host = new LanyardHost("rd", "--plugin-dirs", plugins.toString());
        driver = "remote-" + host.prefix().replace("-", "");
        calls = host.dir.resolve("calls.log");
        failJoin = host.dir.resolve("fail-join");
        wrongInterface = host.dir.resolve("wrong-interface");
        final Path socket = host.dir.resolve("plugin.sock");
        final Path log = host.dir.resolve("plugin.log");
        final Process plugin = host.namespaces.spawn(host.hostNetns, log, "python3", "-c", PLUGIN, socket.toString(),
            calls.toString(), failJoin.toString(), wrongInterface.toString());
        PythonPrograms.awaitReady(log, plugin::isAlive);
        Files.writeString(plugins.resolve(driver + ".spec"), "unix://" + socket + "\n");
        host.start();
        host.cli("network", "create", "--driver", driver, "--subnet", "10.77.0.0/24", "rnet").ok();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
        if (plugins != null)
        {
            Namespaces.deleteTree(plugins);
        }
    }

    @Test
    void shouldConnectSandboxesThroughThePluginAcrossARestartAndCallItForEachChange()
    {
        final JsonNode created = calls("NetworkDriver.CreateNetwork").get(0);
        assertEquals("10.77.0.0/24", created.at("/IPv4Data/0/Pool").asText());
        assertEquals("10.77.0.1/24", created.at("/IPv4Data/0/Gateway").asText());
        host.cli("run", "-d", "--name", "c1", "--net", "rnet").ok();
        host.cli("run", "-d", "--name", "c2", "--net", "rnet").ok();

        final String c1 = calls("NetworkDriver.CreateEndpoint").get(0).path("EndpointID").asText();
        final String c2 = calls("NetworkDriver.CreateEndpoint").get(1).path("EndpointID").asText();
        assertEquals("10.77.0.2/24", calls("NetworkDriver.CreateEndpoint").get(0).at("/Interface/Address").asText());
        final String eth0 = host.inSandbox("c1", "ip", "-o", "addr", "show", "eth0").assertOk().output();
        assertTrue(eth0.contains("inet 10.77.0.2/24"), eth0);
        final String link = host.inSandbox("c1", "ip", "-o", "link", "show", "eth0").output();
        assertTrue(link.contains("link/ether 02:aa:0a:4d:00:02 "), "the MAC the plugin chose: " + link);
        assertTrue(host.inSandbox("c1", "ip", "route").output().contains("203.0.113.0/24 dev eth0"), "the plugin's static route");
        assertEquals("/run/netns/" + host.prefix() + "c1", calls("NetworkDriver.Join").get(0).path("SandboxKey").asText());
        ping("c1", "10.77.0.3");
        assertFalse(hostLinks().contains("lyc"), "the plugin's interfaces were moved: " + hostLinks());

        host.cli("network", "disconnect", "rnet", "c2").ok();
        assertEquals(List.of(c2), ids("NetworkDriver.Leave"));
        assertEquals(List.of(c2), ids("NetworkDriver.DeleteEndpoint"));
        assertFalse(host.inSandbox("c2", "ip", "link").output().contains("eth0"));
        assertFalse(hostLinks().contains("lyh" + c2.substring(0, 8)));
        host.cli("network", "connect", "rnet", "c2").ok();
        ping("c1", "10.77.0.3");

        final int joins = calls("NetworkDriver.Join").size();
        host.kill9();
        host.start();
        ping("c2", "10.77.0.2");
        assertEquals(joins, calls("NetworkDriver.Join").size(), "a restart joins nothing again");

        host.cli("rm", "-f", "c1").ok();
        assertTrue(ids("NetworkDriver.DeleteEndpoint").contains(c1));
        assertFalse(host.namespaces.existing().contains(host.prefix() + "c1"));
        host.cli("rm", "-f", "c2").ok();
        host.cli("network", "rm", "rnet").ok();
        assertEquals(1, calls("NetworkDriver.DeleteNetwork").size());
        assertFalse(hostLinks().contains("lyb"), "the plugin's bridge went with the network: " + hostLinks());
    }

    @Test
    void shouldLeaveNothingWhenThePluginRefusesOrCannotBeReached() throws IOException
    {
        host.cli("run", "-d", "--name", "c1", "--net", "rnet").ok();
        Files.writeString(failJoin, "no veth for you today");

        final LanyardHost.Result refused = host.cli("run", "-d", "--name", "c2", "--net", "rnet");

        assertEquals(1, refused.status(), refused.toString());
        assertTrue(refused.err().contains("no veth for you today") && refused.err().strip().lines().count() == 1, refused.err());
        final String failed = calls("NetworkDriver.CreateEndpoint").get(1).path("EndpointID").asText();
        assertEquals(List.of(failed), ids("NetworkDriver.DeleteEndpoint"));
        assertEquals(List.of(), ids("NetworkDriver.Leave"));
        // a name column of c2, not "c2" anywhere: a hex ID may hold those two characters
        final String listed = host.cli("ps").ok().out();
        assertFalse(listed.lines().anyMatch(line -> java.util.Arrays.asList(line.trim().split("\\s+")).contains("c2")), listed);
        assertFalse(host.namespaces.existing().contains(host.prefix() + "c2"));
        assertEquals(1, host.cli("network", "inspect", "rnet").ok().out().split("\"IPv4Address\"", -1).length - 1);
        Files.delete(failJoin);
        host.cli("run", "-d", "--name", "c2", "--net", "rnet").ok();
        assertTrue(host.inSandbox("c2", "ip", "-o", "addr", "show", "eth0").output().contains("inet 10.77.0.3/24"),
            "the address the refused sandbox had was released");

        final LanyardHost.Result missing = host.cli("network", "create", "--driver", "nobody" + driver, "n2");
        assertTrue(missing.err().contains("plugin \"nobody" + driver + "\" not found"), missing.err());
        final Path dead = host.dir.resolve("dead.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            listener.bind(UnixDomainSocketAddress.of(dead));
        }
        Files.writeString(plugins.resolve("dead" + driver + ".spec"), "unix://" + dead + "\n");
        final LanyardHost.Result refusedConnection = host.cli("network", "create", "--driver", "dead" + driver, "n2");
        assertTrue(refusedConnection.err().contains("Connection refused"), refusedConnection.err());
        final String names = host.cli("network", "ls").ok().out();
        assertFalse(names.contains("n2"), names);
    }

    @Test
    void shouldMoveNoInterfaceThatIsNotThePluginsToGive() throws IOException
    {
        host.cli("run", "-d", "--name", "c1").ok();
        final String c1Links = host.inSandbox("c1", "ip", "-o", "link", "show").output();

        Files.writeString(wrongInterface, "lanyard0");
        final LanyardHost.Result own = host.cli("run", "-d", "--name", "thief", "--net", "rnet");
        Files.writeString(wrongInterface, "eth0");
        final LanyardHost.Result absent = host.cli("network", "connect", "rnet", "c1");

        assertEquals(1, own.status(), own.toString());
        assertTrue(own.err().strip().endsWith("plugin \"" + driver + "\" answered Join with interface lanyard0, which is " +
            "Lanyard's own: refused") && own.err().strip().lines().count() == 1, own.err());
        assertTrue(hostLinks().contains("lanyard0"), "the default bridge's host port stayed: " + hostLinks());
        assertFalse(host.cli("ps").ok().out().contains("thief"));
        assertEquals(1, absent.status(), absent.toString());
        assertTrue(absent.err().strip().endsWith("plugin \"" + driver + "\" answered Join with interface eth0, which is not in " +
            "lanyardd's network namespace") && absent.err().strip().lines().count() == 1, absent.err());
        assertEquals(c1Links, host.inSandbox("c1", "ip", "-o", "link", "show").output(), "c1's own eth0 was not taken for the plugin's");
        assertEquals(2, ids("NetworkDriver.DeleteEndpoint").size(), "each refused endpoint was deleted in the plugin");
    }

    /** The bodies of the plugin's calls of {@code method}, in order. */
    private List<JsonNode> calls(final String method)
    {
        final List<JsonNode> bodies = new ArrayList<>();
        for (final String line : LanyardHost.readQuietly(calls).split("\n"))
        {
            try
            {
                final JsonNode call = line.isBlank() ? null : Json.MAPPER.readTree(line);
                if (call != null && method.equals(call.path("method").asText()))
                {
                    bodies.add(call.path("body"));
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return bodies;
    }

    private List<String> ids(final String method)
    {
        return calls(method).stream().map(body -> body.path("EndpointID").asText()).toList();
    }

    /** One ping from a sandbox; a failure says what the sandboxes and the daemon's namespace hold. */
    private void ping(final String sandbox, final String address)
    {
        final Shell.Result ping = host.inSandbox(sandbox, "ping", "-c", "1", "-W", "2", address);
        if (ping.status() != 0)
        {
            throw new AssertionError(sandbox + " cannot ping " + address + ":\n" + ping.output() + "\n" +
                host.inSandbox(sandbox, "ip", "-d", "addr").output() + "\n" + host.inSandbox(sandbox, "ip", "neigh").output() + "\n" +
                host.inHost("ip", "-d", "link").output() + "\n" + host.inHost("bridge", "link").output() + "\n" + host.log());
        }
    }

    private String hostLinks()
    {
        return host.inHost("ip", "-o", "link").assertOk().output();
    }
}
