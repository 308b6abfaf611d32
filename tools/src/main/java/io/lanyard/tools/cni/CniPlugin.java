package io.lanyard.tools.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.ApiClient;
import io.lanyard.client.Json;
import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.DetachRequest;
import io.lanyard.client.api.NetworkCreateRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code lanyard-cni}: the CNI 1.1 plugin that puts a runtime's container on a Lanyard network
 * through lanyardd's {@code /sandboxes/attach}. The container is attached under its runtime ID
 * (so an ADD and its DEL always name the same thing, whatever the container is called); its
 * name ({@code K8S_POD_NAME}) and {@code runtimeConfig.aliases} are its DNS names.
 *
 * <p>Results and errors are the spec's JSON on stdout; errors also exit 1. Nothing here keeps
 * state of its own: the daemon's state is the only record of an attachment, so a repeated ADD
 * or DEL is answered from it.
 */
public final class CniPlugin
{
    private static final String EMBEDDED_DNS = "127.0.0.11";
    private static final Pattern LINK_ADDRESS = Pattern.compile("link/ether ([0-9a-f:]{17})");

    private final CniEnvironment env;
    private final CniConfig config;
    private final ApiClient daemon;

    private CniPlugin(final CniEnvironment env, final CniConfig config)
    {
        this.env = env;
        this.config = config;
        this.daemon = new ApiClient(config.socket());
    }

    public static void main(final String[] args)
    {
        System.exit(run(System.getenv(), System.in, System.out));
    }

    /** One call as a runtime makes it; returns the exit status. */
    static int run(final Map<String, String> environment, final InputStream stdin, final PrintStream stdout)
    {
        String version = CniConfig.LATEST_VERSION;
        try
        {
            final CniEnvironment env = CniEnvironment.from(environment);
            if (CniEnvironment.VERSION.equals(env.command()))
            {
                stdout.println(version());
                return 0;
            }
            final JsonNode input = read(stdin);
            if (input.path("cniVersion").isTextual() && CniConfig.SUPPORTED_VERSIONS.contains(input.path("cniVersion").asText()))
            {
                version = input.path("cniVersion").asText();
            }
            final JsonNode result = new CniPlugin(env, CniConfig.from(input)).execute();
            if (result != null)
            {
                stdout.println(result);
            }
            return 0;
        }
        catch (final CniError ex)
        {
            stdout.println(ex.toJson(version));
            return 1;
        }
        catch (final RuntimeException ex)
        {
            stdout.println(new CniError(CniError.IO_FAILURE, String.valueOf(ex.getMessage())).toJson(version));
            return 1;
        }
    }

    private JsonNode execute()
    {
        switch (env.command())
        {
            case CniEnvironment.ADD:
                return add();
            case CniEnvironment.DEL:
                del();
                return null;
            case CniEnvironment.CHECK:
                check();
                return null;
            case CniEnvironment.STATUS:
                status();
                return null;
            case CniEnvironment.GC:
                gc();
                return null;
            default:
                throw new IllegalStateException(env.command());
        }
    }

    private JsonNode add()
    {
        final JsonNode network = ensureNetwork();
        final boolean userDefined = !"bridge".equals(network.path("Name").asText());
        final List<String> aliases = new ArrayList<>();
        if (userDefined)
        {
            if (env.podName() != null)
            {
                aliases.add(env.podName());
            }
            config.aliases().stream().filter(a -> !aliases.contains(a)).forEach(aliases::add);
        }
        final JsonNode sandbox = call("POST", "/sandboxes/attach", new AttachRequest(env.containerId(), env.netns(),
            config.network(), env.ifname(), null, aliases, config.ports()));
        return result(endpoint(sandbox, network.path("Name").asText()), userDefined);
    }

    private void del()
    {
        try
        {
            call("POST", "/sandboxes/detach", new DetachRequest(env.containerId(), config.network()));
        }
        catch (final CniError ex)
        {
            if (ex.code() == CniError.REFUSED && ex.getMessage().contains("was not attached"))
            {
                return; // a container Lanyard ran, not this runtime's: there is nothing of ours to delete
            }
            throw ex;
        }
    }

    private void check()
    {
        if (config.isLegacy() && !"0.4.0".equals(config.cniVersion()))
        {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "CHECK needs CNI version 0.4.0 or later, not " + config.cniVersion());
        }
        final ApiClient.Response response = daemonCall("GET", "/sandboxes/" + encode(env.containerId()), null);
        if (response.status() == 404)
        {
            throw new CniError(CniError.UNKNOWN_CONTAINER, "container " + env.containerId() + " is not attached to any Lanyard network");
        }
        final JsonNode sandbox = answer(response);
        final JsonNode endpoint = endpoint(sandbox, networkName());
        if (!env.netns().equals(sandbox.path("NetnsPath").asText()))
        {
            throw new CniError(CniError.CHECK_FAILED, "container " + env.containerId() + " is attached with namespace " +
                sandbox.path("NetnsPath").asText() + ", not " + env.netns());
        }
        if (!env.ifname().equals(endpoint.path("Interface").asText()))
        {
            throw new CniError(CniError.CHECK_FAILED, "container " + env.containerId() + " has interface " +
                endpoint.path("Interface").asText() + " on " + config.network() + ", not " + env.ifname());
        }
        final String mac = readInterface(env.netns(), env.ifname());
        if (mac == null)
        {
            throw new CniError(CniError.CHECK_FAILED, "interface " + env.ifname() + " is missing from " + env.netns());
        }
        if (!mac.equalsIgnoreCase(endpoint.path("MacAddress").asText()))
        {
            throw new CniError(CniError.CHECK_FAILED, "interface " + env.ifname() + " has MAC " + mac + ", not " +
                endpoint.path("MacAddress").asText());
        }
    }

    private void status()
    {
        final ApiClient.Response response;
        try
        {
            response = daemon.get("/_ping");
        }
        catch (final ApiClient.DaemonUnreachableException ex)
        {
            throw new CniError(CniError.NOT_AVAILABLE, "lanyardd is not answering on " + config.socket() + ": " + ex.getMessage());
        }
        if (!response.isSuccess())
        {
            throw new CniError(CniError.NOT_AVAILABLE, "lanyardd answered " + response.status() + " on " + config.socket());
        }
    }

    /** Detaches this network's containers that the runtime no longer lists as valid. */
    private void gc()
    {
        final String networkId = networkIdOrNull();
        if (networkId == null)
        {
            return;
        }
        for (final JsonNode sandbox : answer(daemonCall("GET", "/sandboxes", null)))
        {
            if (!sandbox.path("Attached").asBoolean())
            {
                continue;
            }
            sandbox.path("Networks").forEach(endpoint ->
            {
                if (networkId.equals(endpoint.path("NetworkID").asText()) &&
                    !config.validAttachments().contains(sandbox.path("Name").asText() + "/" + endpoint.path("Interface").asText()))
                {
                    call("POST", "/sandboxes/detach", new DetachRequest(sandbox.path("Name").asText(), networkId));
                }
            });
        }
    }

    /** The Lanyard network, created from the configuration's IPAM (or the default pools) on first use. */
    private JsonNode ensureNetwork()
    {
        final ApiClient.Response found = daemonCall("GET", "/networks/" + encode(config.network()), null);
        if (found.status() != 404)
        {
            return answer(found);
        }
        final ApiClient.Response created = daemonCall("POST", "/networks/create", new NetworkCreateRequest(config.network(), "bridge",
            config.ipam(), false, true, Map.of(), Map.of("io.lanyard.cni", config.name())));
        if (!created.isSuccess() && created.status() != 409)
        {
            throw new CniError(created.status() >= 500 ? CniError.TRY_AGAIN_LATER : CniError.INVALID_CONFIG,
                "cannot create network " + config.network() + ": " + created.errorMessage());
        }
        return answer(daemonCall("GET", "/networks/" + encode(config.network()), null));
    }

    private String networkName()
    {
        return answer(daemonCall("GET", "/networks/" + encode(config.network()), null)).path("Name").asText();
    }

    private String networkIdOrNull()
    {
        final ApiClient.Response found = daemonCall("GET", "/networks/" + encode(config.network()), null);
        return found.status() == 404 ? null : answer(found).path("Id").asText();
    }

    private JsonNode endpoint(final JsonNode sandbox, final String network)
    {
        final JsonNode endpoint = sandbox.path("Networks").path(network);
        if (endpoint.isMissingNode())
        {
            throw new CniError(CniError.UNKNOWN_CONTAINER, "container " + env.containerId() + " is not attached to " + network);
        }
        return endpoint;
    }

    /** The spec's result for the endpoint: its interface in the container, address, gateway, default route and DNS. */
    private ObjectNode result(final JsonNode endpoint, final boolean embeddedDns)
    {
        final ObjectNode result = Json.MAPPER.createObjectNode();
        result.put("cniVersion", config.cniVersion());
        final ObjectNode iface = result.putArray("interfaces").addObject();
        iface.put("name", endpoint.path("Interface").asText());
        iface.put("mac", endpoint.path("MacAddress").asText());
        iface.put("sandbox", env.netns());
        final ObjectNode ip = result.putArray("ips").addObject();
        if (config.isLegacy())
        {
            ip.put("version", "4");
        }
        ip.put("address", endpoint.path("IPAddress").asText() + "/" + endpoint.path("IPPrefixLen").asInt());
        ip.put("gateway", endpoint.path("Gateway").asText());
        ip.put("interface", 0);
        final ArrayNode routes = result.putArray("routes");
        routes.addObject().put("dst", "0.0.0.0/0").put("gw", endpoint.path("Gateway").asText());
        final ObjectNode dns = result.putObject("dns");
        if (embeddedDns)
        {
            dns.putArray("nameservers").add(EMBEDDED_DNS);
        }
        return result;
    }

    static String version()
    {
        final ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("cniVersion", CniConfig.LATEST_VERSION);
        final ArrayNode supported = json.putArray("supportedVersions");
        CniConfig.SUPPORTED_VERSIONS.forEach(supported::add);
        return json.toString();
    }

    /** A call that must succeed: a refusal is the daemon's one line, an unreachable daemon "try again later". */
    private JsonNode call(final String method, final String path, final Object body)
    {
        return answer(daemonCall(method, path, body));
    }

    private ApiClient.Response daemonCall(final String method, final String path, final Object body)
    {
        try
        {
            return daemon.call(method, path, body);
        }
        catch (final ApiClient.DaemonUnreachableException ex)
        {
            throw new CniError(CniError.TRY_AGAIN_LATER, "lanyardd is not answering on " + config.socket() + ": " + ex.getMessage());
        }
    }

    private JsonNode answer(final ApiClient.Response response)
    {
        if (response.status() == 503)
        {
            throw new CniError(CniError.TRY_AGAIN_LATER, response.errorMessage());
        }
        if (!response.isSuccess())
        {
            throw new CniError(CniError.REFUSED, response.errorMessage());
        }
        return response.body().length == 0 ? null : response.json();
    }

    /** The MAC of the interface in the namespace, or null when it (or the namespace) is gone. */
    private static String readInterface(final String netns, final String ifname)
    {
        if (!Files.exists(Path.of(netns)))
        {
            return null;
        }
        try
        {
            // not /sys/class/net: nsenter changes the network namespace, not the sysfs mounted for another one
            final Process process = new ProcessBuilder("nsenter", "--net=" + netns, "ip", "-o", "link", "show", "dev", ifname)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            process.getOutputStream().close();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0)
            {
                return null;
            }
            final Matcher mac = LINK_ADDRESS.matcher(out);
            return mac.find() ? mac.group(1) : "";
        }
        catch (final IOException ex)
        {
            throw new CniError(CniError.IO_FAILURE, "cannot look into " + netns + ": " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new CniError(CniError.IO_FAILURE, "interrupted");
        }
    }

    private static JsonNode read(final InputStream stdin)
    {
        try
        {
            final byte[] bytes = stdin.readAllBytes();
            if (bytes.length == 0)
            {
                throw new CniError(CniError.DECODE_FAILURE, "no network configuration on stdin");
            }
            return Json.MAPPER.readTree(bytes);
        }
        catch (final JsonProcessingException ex)
        {
            throw new CniError(CniError.DECODE_FAILURE, "the network configuration on stdin is not JSON: " + ex.getOriginalMessage());
        }
        catch (final IOException ex)
        {
            throw new CniError(CniError.IO_FAILURE, "cannot read stdin: " + ex.getMessage());
        }
    }

    private static String encode(final String segment)
    {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
