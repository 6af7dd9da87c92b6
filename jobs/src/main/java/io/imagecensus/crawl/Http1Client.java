package io.imagecensus.crawl;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small HTTP/1.1 client over keep-alive sockets: the one request shape a registry crawl sends
 * (a method, a URI, a few headers, no request body) and a response read as it arrives, with
 * {@code Content-Length}, chunked or read-to-close bodies.
 *
 * <p>Why not the JDK's clients: on the 2-core benchmark machine the registry needs the CPU too,
 * and every millisecond the client spends is taken from it. {@code scripts/bench/HttpMix.java}
 * replaying 10,000 manifest GETs spent 3.4 s of JVM user CPU with this client against 4.6-4.8 s
 * with {@code HttpURLConnection} (about 0.13 ms per request); on the first 20,000 requests of the
 * benchmark's whole mix, three alternating runs gave 624-696 req/s against 609-658 req/s.
 * {@code java.net.http.HttpClient} spent more CPU still, and Apache HttpClient 4.5 was no faster
 * than {@code HttpURLConnection} (1,008 against 1,080 req/s on manifest GETs).
 *
 * <p>What it keeps from {@code HttpURLConnection}: TLS with the JVM's default trust store and host
 * name verification; the JVM's proxy settings ({@code http(s).proxyHost}, {@code
 * http.nonProxyHosts}, {@code socksProxyHost}) through {@link ProxySelector}, HTTPS through an
 * HTTP proxy with {@code CONNECT}; idle connections kept per host and port and reused; a pooled
 * connection the server closed meanwhile is replaced once, transparently. Proxy authentication is
 * not supported. One instance serves a whole JVM; it is thread-safe.
 */
public final class Http1Client {
  /** Longest status line, header line or chunk-size line accepted. */
  private static final int MAX_LINE = 16 * 1024;
  /** Most header lines accepted in one response. */
  private static final int MAX_HEADERS = 200;
  /** Unread body bytes worth reading to keep a connection when a caller closes early. */
  private static final long MAX_DRAIN = 64 * 1024;
  /** Largest body read into one array sized by its Content-Length; a larger one grows as it arrives. */
  private static final long MAX_PRESIZED_BODY = 8L << 20;

  /** TLS sockets come from here; null: the JVM's default, looked up at the first https connection. */
  private final SSLSocketFactory tls;
  /** Where each request goes; null: the JVM's default selector (its proxy properties). */
  private final ProxySelector proxies;
  /**
   * Where requests to each {@code scheme://host:port} go: the proxy chosen at the first request
   * and the idle connections kept for reuse. The JVM's proxy settings are read once per target, not
   * for every request.
   */
  private final Map<String, Route> routes = new ConcurrentHashMap<>();

  /** The proxy of one target and its idle connections. */
  private record Route(Proxy proxy, Deque<Connection> pool) {}

  /** A client with the JVM's default TLS settings. */
  public Http1Client() {
    this(null, null);
  }

  /**
   * A client that opens TLS connections with {@code tls} and picks proxies with {@code proxies}
   * (tests trust their own certificate and name their own proxy); null means the JVM's default.
   */
  Http1Client(SSLSocketFactory tls, ProxySelector proxies) {
    this.tls = tls;
    this.proxies = proxies;
  }

  /**
   * A response whose headers are read; the body arrives through {@link #body()}. Closing it gives
   * the connection back for reuse when the body was read to its end, and closes it otherwise.
   */
  public static final class Response implements Closeable {
    private final int status;
    private final HttpHeaders headers;
    private final BodyStream body;

    private Response(int status, HttpHeaders headers, BodyStream body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    public int status() {
      return status;
    }

    public HttpHeaders headers() {
      return headers;
    }

    /** The body as it arrives; empty for HEAD, 204 and 304 answers. */
    public InputStream body() {
      return body;
    }

    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  /**
   * Sends {@code method uri} with {@code headers} (plus Host) and reads the status line and
   * headers. {@code timeout} bounds connecting and every wait for bytes.
   */
  public Response send(String method, URI uri, Map<String, String> headers, Duration timeout) throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IOException("cannot send a request to '" + uri + "': only http and https are supported");
    }
    if (uri.getHost() == null) {
      throw new IOException("cannot send a request to '" + uri + "': it names no host");
    }
    Route route = routes.computeIfAbsent(scheme + "://" + uri.getHost() + ":" + port(uri),
        target -> new Route(proxyFor(uri), new ConcurrentLinkedDeque<>()));
    Proxy proxy = route.proxy();
    Deque<Connection> pool = route.pool();
    byte[] request = requestBytes(method, uri, headers, proxy.type() == Proxy.Type.HTTP && scheme.equals("http"));
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    Connection pooled;
    while ((pooled = pool.pollFirst()) != null) {
      // A server may have closed an idle connection since: the first bytes of the answer tell.
      try {
        return exchange(pooled, pool, method, request, timeoutMillis);
      } catch (IOException staleConnection) {
        pooled.closeQuietly();
        if (pooled.answered || staleConnection instanceof SocketTimeoutException) {
          // The answer had begun, or the server is slow: a real failure, not a closed connection.
          throw staleConnection;
        }
      }
    }
    Connection fresh = connect(uri, scheme, proxy, timeoutMillis);
    try {
      return exchange(fresh, pool, method, request, timeoutMillis);
    } catch (IOException | RuntimeException e) {
      fresh.closeQuietly();
      throw e;
    }
  }

  /** Closes every idle connection (the JVM closes them at exit anyway). */
  void closeIdleConnections() {
    routes.values().forEach(route -> {
      Connection c;
      while ((c = route.pool().pollFirst()) != null) {
        c.closeQuietly();
      }
    });
  }

  /** Idle connections kept for reuse, over all hosts. */
  int idleConnections() {
    return routes.values().stream().mapToInt(route -> route.pool().size()).sum();
  }

  private static Response exchange(Connection connection, Deque<Connection> pool, String method, byte[] request,
      int soTimeout) throws IOException {
    connection.answered = false;
    connection.socket.setSoTimeout(soTimeout);
    connection.out.write(request);
    connection.out.flush();
    String statusLine = connection.readLine(true);
    connection.answered = true;
    int status = statusOf(statusLine);
    HttpHeaders headers = readHeaders(connection);
    while (status >= 100 && status < 200) {  // interim answers (100 Continue, 103 Early Hints): skip
      status = statusOf(connection.readLine(false));
      headers = readHeaders(connection);
    }
    boolean keepAlive = !statusLine.startsWith("HTTP/1.0")
        ? !hasToken(headers, "Connection", "close")
        : hasToken(headers, "Connection", "keep-alive");
    BodyStream body;
    if (method.equals("HEAD") || status == 204 || status == 304) {
      body = new BodyStream(connection, pool, keepAlive, 0, false);
    } else if (hasToken(headers, "Transfer-Encoding", "chunked")) {
      body = new BodyStream(connection, pool, keepAlive, -1, true);
    } else if (headers.firstValue("Content-Length").isPresent()) {
      body = new BodyStream(connection, pool, keepAlive, contentLength(headers), false);
    } else {
      body = new BodyStream(connection, pool, false, -1, false);  // read to the end of the connection
    }
    return new Response(status, headers, body);
  }

  private Connection connect(URI uri, String scheme, Proxy proxy, int timeoutMillis) throws IOException {
    String host = uri.getHost();
    int port = port(uri);
    Socket socket = proxy.type() == Proxy.Type.SOCKS ? new Socket(proxy) : new Socket();
    try {
      socket.setTcpNoDelay(true);
      SocketAddress target = switch (proxy.type()) {
        case HTTP -> resolved(proxy.address());
        case SOCKS -> InetSocketAddress.createUnresolved(host, port);
        default -> new InetSocketAddress(host, port);
      };
      socket.connect(target, timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      if (scheme.equals("https")) {
        if (proxy.type() == Proxy.Type.HTTP) {
          tunnel(socket, host, port, proxy);
        }
        SSLSocketFactory factory = tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault();
        SSLSocket secure = (SSLSocket) factory.createSocket(socket, host, port, true);
        SSLParameters parameters = secure.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        secure.setSSLParameters(parameters);
        secure.startHandshake();
        socket = secure;
      }
      return new Connection(socket);
    } catch (IOException | RuntimeException e) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // the original failure is the one to report
      }
      throw e;
    }
  }

  /** Asks an HTTP proxy for a tunnel to host:port ({@code CONNECT}); TLS then runs through it. */
  private static void tunnel(Socket socket, String host, int port, Proxy proxy) throws IOException {
    String authority = authority(host, port);
    OutputStream out = socket.getOutputStream();
    out.write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    // Unbuffered: bytes after the proxy's answer belong to the TLS handshake.
    InputStream in = socket.getInputStream();
    LineSource unbuffered = firstLine -> readLine(in, firstLine);
    int status = statusOf(unbuffered.readLine(false));
    HttpHeaders headers = readHeaders(unbuffered);
    if (status == 407) {
      throw new IOException("the proxy " + proxy.address() + " asks for authentication, which image-census does not support");
    }
    if (status != 200) {
      throw new IOException("the proxy " + proxy.address() + " refused a tunnel to " + authority + " with status " + status
          + headers.firstValue("Proxy-Status").map(s -> " (" + s + ")").orElse(""));
    }
  }

  private Proxy proxyFor(URI uri) {
    ProxySelector selector = proxies != null ? proxies : ProxySelector.getDefault();
    if (selector == null) {
      return Proxy.NO_PROXY;
    }
    List<Proxy> choices = selector.select(uri);
    return choices == null || choices.isEmpty() ? Proxy.NO_PROXY : choices.get(0);
  }

  private static InetSocketAddress resolved(SocketAddress address) {
    InetSocketAddress a = (InetSocketAddress) address;
    return a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
  }

  private static byte[] requestBytes(String method, URI uri, Map<String, String> headers, boolean absoluteForm) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String target = path + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    if (absoluteForm) {
      target = uri.getScheme() + "://" + authority(uri.getHost(), port(uri)) + target;
    }
    StringBuilder text = new StringBuilder(256 + target.length());
    text.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    boolean defaultPort = uri.getPort() == -1;
    text.append("Host: ").append(defaultPort ? hostText(uri.getHost()) : authority(uri.getHost(), uri.getPort())).append("\r\n");
    for (Map.Entry<String, String> header : headers.entrySet()) {
      requireSafe(header.getKey());
      requireSafe(header.getValue());
      text.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    text.append("\r\n");
    return text.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Header names and values never carry line breaks: a value from a server must not add headers. */
  private static void requireSafe(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\r' || c == '\n' || c > 0xff) {
        throw new IllegalArgumentException("a request header contains a line break or a non-Latin-1 character: '"
            + text.replace("\r", "\\r").replace("\n", "\\n") + "'");
      }
    }
  }

  private static int port(URI uri) {
    return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static String hostText(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String authority(String host, int port) {
    return hostText(host) + ":" + port;
  }

  private static int statusOf(String statusLine) throws IOException {
    // "HTTP/1.1 200 OK": the version, a space, three digits.
    if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
      throw new IOException("the server did not answer with an HTTP/1.x status line but with '" + abbreviate(statusLine) + "'");
    }
    try {
      return Integer.parseInt(statusLine.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new IOException("the server's status line '" + abbreviate(statusLine) + "' has no status code");
    }
  }

  /** Where status, header and chunk-size lines come from. */
  private interface LineSource {
    /** One line up to CRLF (or a bare LF), without it; see {@link #readLine(InputStream, boolean)}. */
    String readLine(boolean firstLine) throws IOException;
  }

  private static HttpHeaders readHeaders(LineSource lines) throws IOException {
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    String line;
    int count = 0;
    while (!(line = lines.readLine(false)).isEmpty()) {
      if (++count > MAX_HEADERS) {
        throw new IOException("the server sent more than " + MAX_HEADERS + " header lines");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("the server sent a malformed header line '" + abbreviate(line) + "'");
      }
      headers.computeIfAbsent(line.substring(0, colon).trim(), name -> new ArrayList<>(1)).add(line.substring(colon + 1).trim());
    }
    return HttpHeaders.of(headers, (name, value) -> true);
  }

  private static long contentLength(HttpHeaders headers) throws IOException {
    String value = headers.firstValue("Content-Length").orElseThrow();
    try {
      long length = Long.parseLong(value.trim());
      if (length < 0) {
        throw new NumberFormatException();
      }
      return length;
    } catch (NumberFormatException e) {
      throw new IOException("the server sent a Content-Length that is not a length: '" + abbreviate(value) + "'");
    }
  }

  /** Whether a comma-separated header lists {@code token}, ignoring case. */
  private static boolean hasToken(HttpHeaders headers, String name, String token) {
    for (String value : headers.allValues(name)) {
      for (String part : value.split(",")) {
        if (part.trim().equalsIgnoreCase(token)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * One line up to CRLF (or a bare LF), without it, read byte by byte so that nothing after it is
   * consumed (a proxy's answer to CONNECT, followed by the TLS handshake). At the start of an
   * answer, {@code firstLine} turns an immediate end of stream into the EOFException of a
   * connection the server closed.
   */
  private static String readLine(InputStream in, boolean firstLine) throws IOException {
    StringBuilder line = new StringBuilder(64);
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw closedInLine(firstLine, line.isEmpty());
      }
      requireShortLine(line.length() + 1);
      line.append((char) c);
    }
    int end = line.length();
    if (end > 0 && line.charAt(end - 1) == '\r') {
      line.setLength(end - 1);
    }
    return line.toString();
  }

  private static void requireShortLine(int length) throws IOException {
    if (length > MAX_LINE) {
      throw new IOException("the server sent a line longer than " + MAX_LINE + " bytes");
    }
  }

  private static EOFException closedInLine(boolean firstLine, boolean lineEmpty) {
    return new EOFException(firstLine && lineEmpty
        ? "the server closed the connection without an answer"
        : "the server closed the connection in the middle of a line");
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  /**
   * One open socket with its own read buffer. Lines are cut out of the buffer whole and bodies are
   * copied from it, instead of a {@code BufferedInputStream} call (and its lock) per header byte.
   * Replaying 20,000 requests of the benchmark's mix with {@code scripts/bench/HttpMix.java}, the
   * client's user CPU per request went from about 99 to 80 µs (two runs each).
   */
  private static final class Connection implements LineSource {
    final Socket socket;
    final OutputStream out;
    private final InputStream in;
    private final byte[] buffer = new byte[16 * 1024];
    private int position;
    private int limit;
    /** Whether the current answer's status line has arrived (failures after it are not stale connections). */
    boolean answered;

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = new BufferedOutputStream(socket.getOutputStream(), 1024);
    }

    @Override
    public String readLine(boolean firstLine) throws IOException {
      StringBuilder spanning = null;  // only for a line that does not end in the buffer
      while (true) {
        for (int i = position; i < limit; i++) {
          if (buffer[i] == '\n') {
            int start = position;
            position = i + 1;
            if (spanning == null) {
              requireShortLine(i - start);
              int end = i > start && buffer[i - 1] == '\r' ? i - 1 : i;
              return new String(buffer, start, end - start, StandardCharsets.ISO_8859_1);
            }
            spanning.append(new String(buffer, start, i - start, StandardCharsets.ISO_8859_1));
            requireShortLine(spanning.length());
            int length = spanning.length();
            if (length > 0 && spanning.charAt(length - 1) == '\r') {
              spanning.setLength(length - 1);
            }
            return spanning.toString();
          }
        }
        if (spanning == null) {
          spanning = new StringBuilder(64);
        }
        spanning.append(new String(buffer, position, limit - position, StandardCharsets.ISO_8859_1));
        position = limit;
        requireShortLine(spanning.length());
        if (!fill()) {
          throw closedInLine(firstLine, spanning.isEmpty());
        }
      }
    }

    /** Up to {@code length} body bytes, buffered ones first; -1 at the end of the stream. */
    int read(byte[] target, int offset, int length) throws IOException {
      if (position == limit) {
        if (length >= buffer.length) {
          return in.read(target, offset, length);
        }
        if (!fill()) {
          return -1;
        }
      }
      int n = Math.min(length, limit - position);
      System.arraycopy(buffer, position, target, offset, n);
      position += n;
      return n;
    }

    int buffered() {
      return limit - position;
    }

    private boolean fill() throws IOException {
      int n = in.read(buffer, 0, buffer.length);
      if (n <= 0) {
        return false;
      }
      position = 0;
      limit = n;
      return true;
    }

    void closeQuietly() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing is all that is left to do
      }
    }
  }

  /**
   * A response body: {@code length} bytes, chunked, or (length -1, not chunked) everything until the
   * server closes. At its end a reusable connection goes back to the pool.
   */
  private static final class BodyStream extends InputStream {
    private final Connection connection;
    private final Deque<Connection> pool;
    private final boolean keepAlive;
    private final boolean chunked;
    private long remaining;  // bytes left in the body (or in the current chunk); -1 = until close
    private boolean finished;
    private boolean closed;

    BodyStream(Connection connection, Deque<Connection> pool, boolean keepAlive, long length, boolean chunked) {
      this.connection = connection;
      this.pool = pool;
      this.keepAlive = keepAlive;
      this.chunked = chunked;
      this.remaining = chunked ? 0 : length;
      this.finished = !chunked && length == 0;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (closed) {
        throw new IOException("the response body is closed");
      }
      if (length == 0) {
        return 0;
      }
      if (finished || (chunked && remaining == 0 && !nextChunk())) {
        return -1;
      }
      int want = remaining < 0 ? length : (int) Math.min(length, remaining);
      int n = connection.read(buffer, offset, want);
      if (n < 0) {
        if (remaining < 0) {  // a body that ends with the connection
          finished = true;
          return -1;
        }
        throw new EOFException("the server closed the connection " + remaining + " bytes before the end of the body");
      }
      if (remaining > 0) {
        remaining -= n;
        if (remaining == 0 && !chunked) {
          finished = true;
        } else if (remaining == 0 && !connection.readLine(false).isEmpty()) {
          throw new IOException("the server's chunked body has no line break after a chunk");
        }
      }
      return n;
    }

    /** A body of known length arrives in one array of that size, not in chunks copied together. */
    @Override
    public byte[] readAllBytes() throws IOException {
      if (chunked || remaining < 0 || remaining > MAX_PRESIZED_BODY || closed) {
        return super.readAllBytes();
      }
      byte[] all = new byte[finished ? 0 : (int) remaining];
      int filled = 0;
      while (filled < all.length) {
        filled += read(all, filled, all.length - filled);  // a body cut short throws EOFException
      }
      return all;
    }

    /** Reads the next chunk's size line; false at the last (empty) chunk, whose trailers it skips. */
    private boolean nextChunk() throws IOException {
      String line = connection.readLine(false);
      int semicolon = line.indexOf(';');
      String size = (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
      try {
        remaining = Long.parseLong(size, 16);
      } catch (NumberFormatException e) {
        throw new IOException("the server's chunked body has a bad chunk size '" + abbreviate(line) + "'");
      }
      if (remaining < 0) {
        throw new IOException("the server's chunked body has a negative chunk size");
      }
      if (remaining == 0) {
        readHeaders(connection);  // trailers
        finished = true;
        return false;
      }
      return true;
    }

    @Override
    public int available() throws IOException {
      if (closed || finished) {
        return 0;
      }
      int buffered = connection.buffered();
      return remaining < 0 ? buffered : (int) Math.min(buffered, remaining);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      if (!finished && remaining >= 0) {
        drain();
      }
      closed = true;
      if (finished && keepAlive) {
        pool.offerFirst(connection);
      } else {
        connection.closeQuietly();
      }
    }

    /** Reads a small rest of the body so the connection can be reused; a large rest is not worth it. */
    private void drain() {
      byte[] skip = new byte[8192];
      long drained = 0;
      try {
        while (!finished && drained <= MAX_DRAIN) {
          int n = read(skip, 0, skip.length);
          if (n < 0) {
            break;
          }
          drained += n;
        }
      } catch (IOException e) {
        finished = false;  // the connection is in an unknown state: close it
      }
    }
  }
}
