package io.ledgerbridge.platform.web;

import io.swagger.v3.oas.annotations.Operation;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Who is signed in and with which role, so the console offers only the actions the role allows (the API still decides). */
@RestController
public class MeApi {

    @GetMapping("/api/me")
    @Operation(summary = "The signed-in user and their role (viewer, approver or admin)")
    public Map<String, Object> me(Authentication user) {
        List<String> held = user.getAuthorities().stream().map(a -> a.getAuthority()).toList();
        String role = held.contains("ROLE_ADMIN") ? "admin" : held.contains("ROLE_APPROVER") ? "approver" : "viewer";
        return Map.of("user", user.getName(), "role", role);
    }
}
