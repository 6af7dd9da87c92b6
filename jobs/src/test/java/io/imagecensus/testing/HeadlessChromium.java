package io.imagecensus.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium, driven over the Chrome DevTools Protocol with the JDK's own
 * WebSocket: one page, its console errors and exceptions, JavaScript evaluation, screenshots.
 */
public final class HeadlessChromium implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  /** A guard against a browser that hangs, not a performance limit. */
  private static final long TIMEOUT_SECONDS = 60;

  private final ObjectMapper json = new ObjectMapper();
  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();
  private final Map<String, CompletableFuture<JsonNode>> awaited = new ConcurrentHashMap<>();
  private String sessionId;

  private HeadlessChromium(Process process, Path profile, URI endpoint) {
    this.process = process;
    this.profile = profile;
    this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(endpoint, new Listener()).join();
  }

  /** Starts Chromium with a fresh profile and one blank 1280 x 800 page, its Runtime, Log and Page events on. */
  public static HeadlessChromium start() throws IOException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's chromium (apt-get install -y chromium)");
    }
    Path profile = Files.createTempDirectory("chromium-profile");
    Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profile, "--remote-debugging-port=0",
        "about:blank")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    URI endpoint = endpoint(process);
    HeadlessChromium browser = new HeadlessChromium(process, profile, endpoint);
    String target = browser.browserCommand("Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
    browser.sessionId = browser.browserCommand("Target.attachToTarget", Map.of("targetId", target, "flatten", true))
        .get("sessionId").asText();
    browser.send("Runtime.enable", Map.of());
    browser.send("Log.enable", Map.of());
    browser.send("Page.enable", Map.of());
    browser.viewport(1280, 800);
    return browser;
  }

  /** Reads the DevTools address from stderr; the rest of stderr is drained so Chromium never blocks. */
  private static URI endpoint(Process process) throws IOException {
    BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    String line;
    while ((line = stderr.readLine()) != null) {
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find()) {
        Thread drain = new Thread(() -> stderr.lines().forEach(ignored -> { }), "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        return URI.create(matcher.group(1));
      }
      seen.add(line);
    }
    throw new IOException("chromium exited before it listened for DevTools: " + String.join(" / ", seen));
  }

  /** Navigates to {@code url} and waits for its load event. */
  public void open(URI url) {
    CompletableFuture<JsonNode> loaded = new CompletableFuture<>();
    awaited.put("Page.loadEventFired", loaded);
    send("Page.navigate", Map.of("url", url.toString()));
    await(loaded, "the load event of " + url);
  }

  /** The value of a JavaScript expression, returned by value (JSON). */
  public JsonNode evaluate(String expression) {
    JsonNode result = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("JavaScript failed: " + result.get("exceptionDetails"));
    }
    return result.get("result").get("value");
  }

  /**
   * Every problem the page reported: uncaught exceptions, console.error calls and log entries of
   * level error (failed requests among them), each as one line.
   */
  public List<String> errors() {
    List<String> errors = new ArrayList<>();
    for (JsonNode event : events) {
      String method = event.path("method").asText();
      JsonNode params = event.path("params");
      if (method.equals("Runtime.exceptionThrown")) {
        errors.add("exception: " + params.path("exceptionDetails"));
      } else if (method.equals("Runtime.consoleAPICalled") && params.path("type").asText().equals("error")) {
        errors.add("console.error: " + params.path("args"));
      } else if (method.equals("Log.entryAdded") && params.path("entry").path("level").asText().equals("error")) {
        errors.add("log: " + params.path("entry").path("text").asText() + " " + params.path("entry").path("url").asText());
      }
    }
    return errors;
  }

  /** A PNG of the whole page, not just the viewport, {@code width} CSS pixels wide. */
  public void screenshot(Path file, int width) throws IOException {
    viewport(width, 800);
    viewport(width, evaluate("Math.ceil(document.documentElement.scrollHeight)").asInt());
    JsonNode shot = send("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
  }

  private void viewport(int width, int height) {
    send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1,
        "mobile", false));
  }

  /** A command to the page's session. */
  private JsonNode send(String method, Map<String, Object> params) {
    return command(method, params, sessionId);
  }

  private JsonNode browserCommand(String method, Map<String, Object> params) {
    return command(method, params, null);
  }

  private JsonNode command(String method, Map<String, Object> params, String session) {
    int id = ids.incrementAndGet();
    ObjectNode message = json.createObjectNode().put("id", id).put("method", method);
    message.set("params", json.valueToTree(params));
    if (session != null) {
      message.put("sessionId", session);
    }
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket.sendText(message.toString(), true).join();
    JsonNode answer = await(reply, method);
    if (answer.has("error")) {
      throw new IllegalStateException("Chromium refused " + method + ": " + answer.get("error"));
    }
    return answer.get("result");
  }

  private static JsonNode await(CompletableFuture<JsonNode> future, String what) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Chromium did not answer " + what + " within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      socket.sendText(json.createObjectNode().put("id", ids.incrementAndGet()).put("method", "Browser.close")
          .toString(), true);
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (UncheckedIOException e) {
        // Chromium may still be removing its own lock files; the temp folder is left then.
      }
    }
  }

  /** Collects text frames into messages: replies complete their command, events are kept. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode message = json.readTree(partial.toString());
          if (message.has("id")) {
            CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asInt());
            if (reply != null) {
              reply.complete(message);
            }
          } else {
            events.add(message);
            CompletableFuture<JsonNode> waiting = awaited.remove(message.path("method").asText());
            if (waiting != null) {
              waiting.complete(message);
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          partial.setLength(0);
        }
      }
      webSocket.request(1);
      return null;
    }
  }
}
