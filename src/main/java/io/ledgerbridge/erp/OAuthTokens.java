package io.ledgerbridge.erp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * OAuth 2.0 access tokens for an ERP, cached until shortly before they expire and renewed on demand:
 * <ul>
 *   <li>client credentials with a JWT assertion signed PS256 with the certificate's private key
 *       (NetSuite machine-to-machine);</li>
 *   <li>refresh token (QuickBooks Online, Xero), where each renewal may hand out a new refresh token:
 *       the newest is kept in the database so a restart does not lose it.</li>
 * </ul>
 */
final class OAuthTokens {

    enum Flow { CLIENT_CREDENTIALS_JWT, REFRESH_TOKEN }

    private final String erp;
    private final Flow flow;
    private final String tokenUrl;
    private final String clientId;
    private final String clientSecret;
    private final String certificateId;
    private final PrivateKey privateKey;
    private final String initialRefreshToken;
    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
    private final Clock clock;
    private String accessToken;
    private Instant expiresAt = Instant.EPOCH;

    private OAuthTokens(String erp, Flow flow, String tokenUrl, String clientId, String clientSecret, String certificateId,
                        PrivateKey privateKey, String refreshToken, JdbcTemplate jdbc, ObjectMapper mapper, Clock clock) {
        this.erp = erp;
        this.flow = flow;
        this.tokenUrl = tokenUrl;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.certificateId = certificateId;
        this.privateKey = privateKey;
        this.initialRefreshToken = refreshToken;
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.clock = clock;
    }

    static OAuthTokens clientCredentialsJwt(String erp, String tokenUrl, String clientId, String certificateId, String privateKeyPem,
                                            ObjectMapper mapper, Clock clock) {
        return new OAuthTokens(erp, Flow.CLIENT_CREDENTIALS_JWT, tokenUrl, clientId, null, certificateId, privateKey(privateKeyPem),
                null, null, mapper, clock);
    }

    static OAuthTokens refreshToken(String erp, String tokenUrl, String clientId, String clientSecret, String refreshToken,
                                    JdbcTemplate jdbc, ObjectMapper mapper, Clock clock) {
        return new OAuthTokens(erp, Flow.REFRESH_TOKEN, tokenUrl, clientId, clientSecret, null, null, refreshToken, jdbc, mapper,
                clock);
    }

    synchronized String token() {
        if (accessToken == null || clock.instant().isAfter(expiresAt.minusSeconds(60))) {
            renew();
        }
        return accessToken;
    }

    synchronized void invalidate() {
        accessToken = null;
    }

    private void renew() {
        Map<String, String> form = new LinkedHashMap<>();
        String basic = null;
        if (flow == Flow.CLIENT_CREDENTIALS_JWT) {
            form.put("grant_type", "client_credentials");
            form.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
            form.put("client_assertion", assertion());
        } else {
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", currentRefreshToken());
            basic = Base64.getEncoder().encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8));
        }
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(tokenUrl)).timeout(java.time.Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (basic != null) {
            r.header("Authorization", "Basic " + basic);
        }
        HttpResponse<String> response;
        try {
            response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new ErpException.Retryable(erp + " token endpoint unreachable: " + e.getMessage(), null, e);
        }
        if (response.statusCode() == 429 || response.statusCode() >= 500) {
            throw new ErpException.Retryable(erp + " token endpoint answered HTTP " + response.statusCode(), null, null);
        }
        if (response.statusCode() >= 300) {
            throw new ErpException.Refused(erp + " refused our credentials (HTTP " + response.statusCode() + "): check the "
                    + erp + " client id, secret, certificate or refresh token");
        }
        JsonNode json;
        try {
            json = mapper.readTree(response.body());
        } catch (Exception e) {
            throw new ErpException.Retryable(erp + " token answer is not JSON", null, e);
        }
        accessToken = json.path("access_token").asText();
        expiresAt = clock.instant().plusSeconds(json.path("expires_in").asLong(3600));
        String rotated = json.path("refresh_token").asText("");
        if (flow == Flow.REFRESH_TOKEN && !rotated.isBlank() && jdbc != null) {
            jdbc.update("""
                    insert into erp_credential (erp, refresh_token) values (?, ?)
                    on conflict (erp) do update set refresh_token = excluded.refresh_token, updated_at = now()""", erp, rotated);
        }
    }

    private String currentRefreshToken() {
        if (jdbc != null) {
            List<String> stored = jdbc.queryForList("select refresh_token from erp_credential where erp = ?", String.class, erp);
            if (!stored.isEmpty()) {
                return stored.get(0);
            }
        }
        return initialRefreshToken;
    }

    /** The signed JWT of NetSuite's client credentials flow (PS256, kid = certificate id, 60 minutes at most). */
    private String assertion() {
        long now = clock.instant().getEpochSecond();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"PS256\",\"typ\":\"JWT\",\"kid\":\"" + certificateId + "\"}";
        String payload = "{\"iss\":\"" + clientId + "\",\"scope\":[\"restlets\",\"rest_webservices\"],\"aud\":\"" + tokenUrl
                + "\",\"iat\":" + now + ",\"exp\":" + (now + 3000) + ",\"jti\":\"" + UUID.randomUUID() + "\"}";
        String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("RSASSA-PSS");
            s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            s.initSign(privateKey);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(erp + ": the JWT assertion could not be signed", e);
        }
    }

    private static PrivateKey privateKey(String pem) {
        if (pem == null || pem.isBlank()) {
            return null;
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (Exception e) {
            throw new IllegalStateException("the NetSuite certificate private key is not a PKCS#8 RSA key in PEM form", e);
        }
    }
}
