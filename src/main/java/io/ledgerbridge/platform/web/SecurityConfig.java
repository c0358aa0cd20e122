package io.ledgerbridge.platform.web;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may do what: webhooks and usage feeds verify their own signatures and keys (no login);
 * health, info and metrics are open to the platform; the API needs HTTP Basic with a role
 * (viewer reads, approver decides exceptions, admin replays, discards, closes and runs jobs);
 * Hawtio and Jolokia are for admins. Errors are JSON, never a login page.
 */
@Configuration
public class SecurityConfig {

    private static final Logger log = LoggerFactory.getLogger(SecurityConfig.class);
    static final Map<String, String> ROLES = Map.of("viewer", "VIEWER", "approver", "APPROVER", "approver2", "APPROVER",
            "admin", "ADMIN");

    /**
     * The inbound endpoints (webhooks, usage feed) prove who sent them by signature or API key, checked
     * in their routes, and hold no session: their chain has only what they use, so the busiest
     * requests skip Basic authentication, the request cache, logout and the servlet API wrappers.
     */
    @Bean
    @org.springframework.core.annotation.Order(1)
    SecurityFilterChain inbound(HttpSecurity http) throws Exception {
        return http.securityMatcher("/webhooks/**", "/usage")
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .securityContext(context -> context.disable())
                .servletApi(api -> api.disable())
                .anonymous(anonymous -> anonymous.disable())
                .logout(logout -> logout.disable())
                .formLogin(form -> form.disable())
                .httpBasic(basic -> basic.disable())
                .build();
    }

    /**
     * Spring Security's observations (a timer around every filter of every request) took a third of
     * the time of an inbound request under load; the HTTP server's own request metrics stay.
     */
    @Bean
    org.springframework.security.config.observation.SecurityObservationSettings securityObservations() {
        return org.springframework.security.config.observation.SecurityObservationSettings.noObservations();
    }

    @Bean
    @org.springframework.core.annotation.Order(2)
    SecurityFilterChain security(HttpSecurity http,
                                 org.springframework.beans.factory.ObjectProvider<org.springframework.security.oauth2.jwt.JwtDecoder> jwt,
                                 Environment env) throws Exception {
        org.springframework.security.oauth2.jwt.JwtDecoder decoder = jwt.getIfAvailable();
        if (decoder != null) {
            // production: bearer tokens from the company's identity provider (issuer, JWK set or public key in
            // spring.security.oauth2.resourceserver.jwt.*), roles from a claim; HTTP Basic stays for the local users
            http.oauth2ResourceServer(o -> o
                    .authenticationEntryPoint((req, res, e) -> json(res, 401, "unauthorized", "invalid or expired bearer token"))
                    .accessDeniedHandler((req, res, e) -> json(res, 403, "forbidden", "your role does not allow this"))
                    .jwt(j -> j.decoder(decoder).jwtAuthenticationConverter(jwtRoles(env))));
            log.info("Bearer tokens accepted (OAuth2 resource server): roles from claim '{}', user from claim '{}'",
                    env.getProperty("ledgerbridge.security.jwt.roles-claim", "roles"),
                    env.getProperty("ledgerbridge.security.jwt.principal-claim", "sub"));
        }
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(basic -> basic.authenticationEntryPoint((req, res, e) -> unauthorized(req, res)))
                .exceptionHandling(ex -> ex
                        .authenticationEntryPoint((req, res, e) -> unauthorized(req, res))
                        .accessDeniedHandler((req, res, e) -> json(res, 403, "forbidden", "your role does not allow this")))
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/webhooks/**", "/usage").permitAll()
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus").permitAll()
                        // the finance console's page and scripts (its charting library from /webjars) hold no data: every call it makes to /api authenticates
                        .requestMatchers(HttpMethod.GET, "/console", "/console/", "/console/**", "/webjars/**").permitAll()
                        .requestMatchers("/actuator/hawtio/**", "/actuator/hawtio", "/actuator/jolokia/**", "/actuator/jolokia").hasRole("ADMIN")
                        .requestMatchers(HttpMethod.POST, "/api/exceptions/*/approve", "/api/exceptions/*/reject").hasRole("APPROVER")
                        .requestMatchers(HttpMethod.GET, "/api/**").hasRole("VIEWER")
                        .requestMatchers("/api/**").hasRole("ADMIN")
                        .requestMatchers("/error").permitAll()
                        .anyRequest().hasRole("ADMIN"))
                .formLogin(form -> form.disable())
                .logout(Customizer.withDefaults());
        return http.build();
    }

    /** Roles viewer, approver, admin from a claim of the token (a list, or a space-separated string). */
    static org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter jwtRoles(Environment env) {
        String claim = env.getProperty("ledgerbridge.security.jwt.roles-claim", "roles");
        var converter = new org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter();
        converter.setPrincipalClaimName(env.getProperty("ledgerbridge.security.jwt.principal-claim", "sub"));
        converter.setJwtGrantedAuthoritiesConverter(token -> {
            Object value = token.getClaims().get(claim);
            java.util.Collection<String> roles = value instanceof java.util.Collection<?> c
                    ? c.stream().map(String::valueOf).toList()
                    : value == null ? List.of() : List.of(String.valueOf(value).split("\\s+"));
            return roles.stream().map(r -> r.toLowerCase(java.util.Locale.ROOT).replaceFirst("^ledgerbridge[:.]", ""))
                    .filter(r -> List.of("viewer", "approver", "admin").contains(r))
                    .map(r -> (org.springframework.security.core.GrantedAuthority)
                            new org.springframework.security.core.authority.SimpleGrantedAuthority("ROLE_" + r.toUpperCase(java.util.Locale.ROOT)))
                    .toList();
        });
        return converter;
    }

    @Bean
    static RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.fromHierarchy("ROLE_ADMIN > ROLE_APPROVER\nROLE_APPROVER > ROLE_VIEWER");
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService users(Environment env, PasswordEncoder encoder,
                             @Value("${ledgerbridge.security.announce-development-values:false}") boolean announce) {
        Map<String, String> configured = Binder.get(env)
                .bind("ledgerbridge.security.users", Bindable.mapOf(String.class, String.class)).orElse(Map.of());
        List<UserDetails> users = new ArrayList<>();
        StringBuilder banner = new StringBuilder();
        for (String name : List.of("viewer", "approver", "approver2", "admin")) {
            String password = configured.get(name);
            boolean generated = password == null || password.isBlank();
            if (generated) {
                byte[] random = new byte[18];
                new SecureRandom().nextBytes(random);
                password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
                log.warn("No password configured for user '{}' (LEDGERBRIDGE_{}_PASSWORD): generated '{}' for this run",
                        name, name.toUpperCase(), password);
            }
            users.add(User.withUsername(name).password(encoder.encode(password)).roles(ROLES.get(name)).build());
            banner.append(String.format("%n    %-9s / %-16s role %s", name, generated ? "(generated)" : password, ROLES.get(name).toLowerCase()));
        }
        if (announce) {
            log.warn("""
                    LOCAL PROFILE: development users and secrets, never for production:{}
                      try: curl -u viewer:{} 'http://localhost:{}/api/ledger/trial-balance'
                      Webhook secrets: Stripe {} | DocuSign Connect HMAC key {} | PandaDoc key {} | HubSpot client secret {} | Salesforce callout HMAC {}
                      Usage API key: {}""",
                    banner, configured.getOrDefault("viewer", "..."), env.getProperty("server.port", "8080"),
                    env.getProperty("ledgerbridge.webhooks.stripe.signing-secret"),
                    env.getProperty("ledgerbridge.webhooks.docusign.hmac-keys"),
                    env.getProperty("ledgerbridge.webhooks.pandadoc.shared-keys"),
                    env.getProperty("ledgerbridge.webhooks.hubspot.client-secret"),
                    env.getProperty("ledgerbridge.webhooks.salesforce.hmac-secret"),
                    env.getProperty("ledgerbridge.usage.api-keys"));
        }
        return new InMemoryUserDetailsManager(users);
    }

    /** 401; the Basic challenge is left out for the console's own calls, so the browser shows no login dialog of its own. */
    private static void unauthorized(jakarta.servlet.http.HttpServletRequest req, jakarta.servlet.http.HttpServletResponse res)
            throws java.io.IOException {
        if (!"XMLHttpRequest".equals(req.getHeader("X-Requested-With"))) {
            res.setHeader("WWW-Authenticate", "Basic realm=\"ledgerbridge\"");
        }
        json(res, 401, "unauthorized", "authentication required (HTTP Basic)");
    }

    private static void json(jakarta.servlet.http.HttpServletResponse res, int status, String error, String message)
            throws java.io.IOException {
        res.setStatus(status);
        res.setContentType("application/json");
        res.getWriter().write("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
    }
}
