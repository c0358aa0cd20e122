package io.ledgerbridge.platform.web;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** JSON errors for the API: the status and a body that names the problem. */
@RestControllerAdvice(basePackages = "io.ledgerbridge")
public class ApiErrors {

    /** An API error with its status, code and optional field. */
    public static class ApiException extends RuntimeException {
        public final HttpStatus status;
        final String error;
        final String field;

        public ApiException(HttpStatus status, String error, String message, String field) {
            super(message);
            this.status = status;
            this.error = error;
            this.field = field;
        }

        public static ApiException notFound(String what) {
            return new ApiException(HttpStatus.NOT_FOUND, "not_found", what + " not found", null);
        }

        public static ApiException badRequest(String field, String message) {
            return new ApiException(HttpStatus.BAD_REQUEST, "bad_request", message, field);
        }

        public static ApiException conflict(String message) {
            return new ApiException(HttpStatus.CONFLICT, "conflict", message, null);
        }
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e) {
        return body(e.status, e.error, e.getMessage(), e.field);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, Object>> mismatch(MethodArgumentTypeMismatchException e) {
        return body(HttpStatus.BAD_REQUEST, "bad_request", "parameter '" + e.getName() + "' has an invalid value '"
                + e.getValue() + "'" + (e.getRequiredType() == null ? "" : " (expected " + e.getRequiredType().getSimpleName() + ")"), e.getName());
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<Map<String, Object>> missing(MissingServletRequestParameterException e) {
        return body(HttpStatus.BAD_REQUEST, "bad_request", "parameter '" + e.getParameterName() + "' is required",
                e.getParameterName());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return body(HttpStatus.BAD_REQUEST, "bad_request", "the request body is not valid JSON", null);
    }

    static ResponseEntity<Map<String, Object>> body(HttpStatus status, String error, String message, String field) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("error", error);
        b.put("message", message);
        if (field != null) {
            b.put("field", field);
        }
        return ResponseEntity.status(status).body(b);
    }
}
