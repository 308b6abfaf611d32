package io.lanyard.control.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.ApiClient;
import io.lanyard.control.ControlPlaneFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.api.JsonAnswers.assertDockerError;
import static io.lanyard.control.api.JsonAnswers.fieldNames;
import static io.lanyard.control.api.JsonAnswers.strictJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /containers/json} and {@code GET /info} as {@code docker ps} and {@code docker info}
 * ask for them. The daemon starts from a stored state with two host-network sandboxes (no
 * namespace needed): {@code up1}, without a command and so running, also holding an endpoint on
 * network {@code app}; and the newer {@code done2}, whose command exited with status 3. Nothing
 * here changes anything, so one daemon serves the class.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainersAndInfoOverSocketTest
{
    private static final Instant CREATED = Instant.parse("2024-05-01T10:00:00Z");
    private static final String HOST_ID = "1".repeat(64);
    private static final String APP_ID = "2".repeat(64);
    private static final String UP_ID = "a1" + "0".repeat(62);
    private static final String DONE_ID = "b2" + "0".repeat(62);

    @TempDir
    static Path tempDir;

    private ApiServerFixture api;
    private ApiClient client;

    @BeforeAll
    void startDaemon() throws IOException
    {
        api = ApiServerFixture.restored(tempDir, List.of(StoredModels.hostNetwork(HOST_ID, CREATED),
                StoredModels.bridgeNetwork(APP_ID, "app", "10.77.0.0/24", "10.77.0.1", CREATED, null)),
            List.of(StoredModels.hostSandbox(UP_ID, "up1", CREATED, List.of(), null, null, HOST_ID, APP_ID),
                StoredModels.hostSandbox(DONE_ID, "done2", CREATED.plusSeconds(60), List.of("sh", "-c", "exit 3"),
                    (long)Integer.MAX_VALUE, 3, HOST_ID)));
        client = api.client();
    }

    @AfterAll
    void stopDaemon()
    {
        if (api != null)
        {
            api.close();
        }
    }

    private JsonNode ok(final String path) throws IOException
    {
        final ApiClient.Response response = client.get(path);
        assertEquals(200, response.status(), path + ": " + response.text());
        return strictJson(response);
    }

    private List<String> names(final String query) throws IOException
    {
        final List<String> names = new ArrayList<>();
        ok("/v1.41/containers/json" + query).forEach(container -> names.add(container.get("Names").get(0).asText()));
        return names;
    }

    private static String filters(final String json)
    {
        return "filters=" + URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    @Test
    void shouldListOnlyRunningSandboxesUnlessAllAreAskedForNewestFirst() throws IOException
    {
        assertEquals(List.of("/up1"), names(""));
        assertEquals(List.of("/up1"), names("?all=0"));
        assertEquals(List.of("/done2", "/up1"), names("?all=1"));
        assertEquals(List.of("/done2", "/up1"), names("?all=true"));
        assertEquals(List.of("/done2"), names("?limit=1"), "docker ps -l: the newest, running or not");
    }

    @Test
    void shouldShowASandboxWithDockersContainerFields() throws IOException
    {
        final JsonNode done = ok("/containers/json?all=1").get(0);

        assertEquals(List.of("Id", "Names", "Image", "ImageID", "Command", "Created", "Ports", "Labels", "State", "Status",
            "HostConfig", "NetworkSettings", "Mounts"), fieldNames(done));
        assertEquals(DONE_ID, done.get("Id").asText());
        assertEquals("lanyard", done.get("Image").asText());
        assertEquals("sh -c exit 3", done.get("Command").asText());
        assertEquals(CREATED.plusSeconds(60).getEpochSecond(), done.get("Created").asLong());
        assertEquals("exited", done.get("State").asText());
        assertEquals("Exited (3)", done.get("Status").asText());
        assertEquals("host", done.at("/HostConfig/NetworkMode").asText());
        assertEquals(0, done.get("Mounts").size());
        assertEquals(0, done.get("Labels").size());

        final JsonNode up = ok("/containers/json").get(0);
        assertEquals("running", up.get("State").asText());
        assertTrue(up.get("Status").asText().matches("Up [0-9]+ (months|years)"), up.get("Status").asText());
        assertEquals(List.of("host", "app"), fieldNames(up.at("/NetworkSettings/Networks")));
        assertEquals(APP_ID, up.at("/NetworkSettings/Networks/app/NetworkID").asText());
        assertEquals(StoredModels.endpointId(UP_ID, APP_ID), up.at("/NetworkSettings/Networks/app/EndpointID").asText());
        assertEquals("", up.at("/NetworkSettings/Networks/app/IPAddress").asText());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"name\":[\"up\"]}|/up1",
        "{\"name\":[\"^/done\"]}|/done2",
        "{\"name\":[\"^done2$\"]}|/done2",
        "{\"name\":{\"nope\":true}}|",
        "{\"id\":[\"b2\"]}|/done2",
        "{\"network\":[\"app\"]}|/up1",
        "{\"network\":[\"" + "2222" + "\"]}|/up1",
        "{\"network\":[\"host\"]}|/done2,/up1",
        "{\"status\":[\"exited\"]}|/done2",
        "{\"status\":[\"running\",\"exited\"]}|/done2,/up1",
        "{\"exited\":[\"3\"]}|/done2",
        "{\"exited\":[\"0\"]}|",
        "{\"label\":[\"a\"]}|",
        "{\"before\":[\"done2\"]}|/up1",
        "{\"since\":[\"up1\"]}|/done2",
        "{\"ancestor\":[\"lanyard\"]}|/done2,/up1",
        "{\"volume\":[\"data\"]}|"})
    void shouldFilterAsDockerPsDoes(final String json, final String expected) throws IOException
    {
        final List<String> names = names("?all=1&" + filters(json));

        assertEquals(expected == null ? List.of() : List.of(expected.split(",")), names, json);
    }

    @Test
    void shouldListAnyStateWhenFilteringByStatusAsDockerDoes() throws IOException
    {
        assertEquals(List.of("/done2"), names("?" + filters("{\"status\":[\"exited\"]}")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"colour\":[\"red\"]}|invalid filter 'colour'",
        "{\"status\":[\"sleeping\"]}|invalid filter 'status=sleeping'",
        "{\"exited\":[\"x\"]}|invalid filter 'exited=x'",
        "{\"name\"|invalid filters: {\"name\""})
    void shouldRefuseBadFiltersWithDockersMessage(final String json, final String message) throws IOException
    {
        final ApiClient.Response response = client.get("/containers/json?" + filters(json));

        assertDockerError(response, 400, message);
    }

    @Test
    void shouldAnswerOtherContainerPathsAsNotFoundAndAnUnknownBeforeAsNoSuchContainer() throws IOException
    {
        assertEquals(404, client.get("/containers/up1/json").status());
        assertEquals(405, client.post("/containers/json", null).status());
        final ApiClient.Response unknown = client.get("/containers/json?" + filters("{\"before\":[\"nope\"]}"));
        assertDockerError(unknown, 404, "No such container: nope");
    }

    @Test
    void shouldDescribeTheDaemonInDockersInfoShape() throws IOException
    {
        final JsonNode info = ok("/v1.41/info");

        assertEquals(2, info.get("Containers").asInt());
        assertEquals(1, info.get("ContainersRunning").asInt());
        assertEquals(0, info.get("ContainersPaused").asInt());
        assertEquals(1, info.get("ContainersStopped").asInt());
        assertEquals(0, info.get("Images").asInt());
        assertEquals("linux", info.get("OSType").asText());
        assertEquals(ApiRoutes.VERSION, info.get("ServerVersion").asText());
        assertEquals(System.getProperty("os.version"), info.get("KernelVersion").asText());
        assertTrue(info.get("NCPU").asInt() > 0);
        assertTrue(info.get("MemTotal").asLong() > 0);
        assertTrue(info.get("ID").asText().matches("[0-9a-f-]{36}"), info.get("ID").asText());
        assertEquals(info.get("ID"), ok("/info").get("ID"), "stable for the daemon");
        assertEquals(List.of("bridge", "host", "null", "overlay"), texts(info.at("/Plugins/Network")));
        assertEquals("inactive", info.at("/Swarm/LocalNodeState").asText());
        assertTrue(info.get("LiveRestoreEnabled").asBoolean(), "sandboxes outlive a daemon restart");
        assertEquals(List.of(SystemInfo.WARNING), texts(info.get("Warnings")));
        Instant.parse(info.get("SystemTime").asText());
        assertEquals(ProcessHandle.current().pid(), info.get("Pid").asLong(), "Lanyard's own fields stay");
        assertEquals(ControlPlaneFixture.SANDBOX_PREFIX, info.get("SandboxPrefix").asText());
        assertEquals(405, client.post("/info", null).status());
    }

    private static List<String> texts(final JsonNode array)
    {
        final List<String> texts = new ArrayList<>();
        array.forEach(value -> texts.add(value.asText()));
        return texts;
    }
}
