package io.ledgerbridge.inbox;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards the inbound endpoints ({@code /webhooks/**}, {@code /usage}) before any parsing: 415 for a
 * content type the endpoint does not take (platform-http would otherwise parse it as a form and
 * fail with 500, stack.md trap 6), 413 for a body over the limit (declared or streamed), 405 for
 * anything but POST, 429 for a source over its rate ({@code ledgerbridge.webhooks.rate-limit.<source>}
 * requests a second, default 5000). The body is read once, bounded, and handed on buffered.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class WebhookRequestFilter extends OncePerRequestFilter {

    private static final List<String> JSON_ONLY = List.of("application/json");
    private static final List<String> USAGE_TYPES = List.of("application/json", "application/x-ndjson", "text/csv");

    private final long maxBodyBytes;
    private final IngressMetrics metrics;
    private final org.springframework.core.env.Environment env;
    private final int defaultPerSecond;
    private final java.util.Map<String, io.github.resilience4j.ratelimiter.RateLimiter> limiters = new java.util.concurrent.ConcurrentHashMap<>();

    public WebhookRequestFilter(@Value("${ledgerbridge.webhooks.max-body-bytes:1048576}") long maxBodyBytes,
                                @Value("${ledgerbridge.webhooks.rate-limit.default-per-second:5000}") int defaultPerSecond,
                                IngressMetrics metrics, org.springframework.core.env.Environment env) {
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = metrics;
        this.env = env;
        this.defaultPerSecond = defaultPerSecond;
    }

    /** Requests a second one source may send (ledgerbridge.webhooks.rate-limit.<source>, else the default). */
    private io.github.resilience4j.ratelimiter.RateLimiter limiter(String source) {
        return limiters.computeIfAbsent(source, s -> io.github.resilience4j.ratelimiter.RateLimiter.of("webhooks-" + s,
                io.github.resilience4j.ratelimiter.RateLimiterConfig.custom()
                        .limitForPeriod(env.getProperty("ledgerbridge.webhooks.rate-limit." + s, Integer.class, defaultPerSecond))
                        .limitRefreshPeriod(java.time.Duration.ofSeconds(1)).timeoutDuration(java.time.Duration.ZERO).build()));
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.startsWith("/webhooks/") || path.equals("/usage"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        String source = path.equals("/usage") ? "usage" : path.substring("/webhooks/".length());
        if (!"POST".equalsIgnoreCase(request.getMethod())) {
            metrics.count(source, "method_not_allowed");
            response.setHeader("Allow", "POST");
            reject(response, 405, "method_not_allowed", "only POST is accepted on " + path);
            return;
        }
        if (!limiter(source).acquirePermission()) {
            // a sender over its rate retries later (every sender here retries on 429); nothing was stored
            metrics.count(source, "rate_limited");
            response.setHeader("Retry-After", "1");
            reject(response, 429, "rate_limited", "more than " + limiter(source).getRateLimiterConfig().getLimitForPeriod()
                    + " requests a second from " + source + "; retry after 1 s");
            return;
        }
        List<String> accepted = path.equals("/usage") ? USAGE_TYPES : JSON_ONLY;
        String contentType = request.getContentType();
        if (!acceptable(contentType, accepted)) {
            metrics.count(source, "unsupported_media_type");
            reject(response, 415, "unsupported_media_type",
                    "Content-Type " + (contentType == null ? "(none)" : "'" + contentType + "'")
                            + " is not accepted; use " + String.join(" or ", accepted));
            return;
        }
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            metrics.count(source, "too_large");
            reject(response, 413, "payload_too_large", "body of " + declared + " bytes exceeds the limit of " + maxBodyBytes);
            return;
        }
        byte[] body = readBounded(request.getInputStream());
        if (body == null) {
            metrics.count(source, "too_large");
            reject(response, 413, "payload_too_large", "body exceeds the limit of " + maxBodyBytes + " bytes");
            return;
        }
        chain.doFilter(new BufferedBodyRequest(request, body), response);
    }

    private byte[] readBounded(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buf)) != -1) {
            total += n;
            if (total > maxBodyBytes) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private static boolean acceptable(String contentType, List<String> accepted) {
        if (contentType == null || contentType.isBlank()) {
            return false;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            String base = (type.getType() + "/" + type.getSubtype()).toLowerCase(Locale.ROOT);
            return accepted.contains(base);
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void reject(HttpServletResponse response, int status, String error, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write("{\"status\":\"rejected\",\"error\":\"" + error + "\",\"message\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }

    /** The request with its body already read into memory. */
    static final class BufferedBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("synchronous only");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String enc = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body),
                    enc == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(enc)));
        }
    }
}
