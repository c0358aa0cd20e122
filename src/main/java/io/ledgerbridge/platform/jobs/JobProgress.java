package io.ledgerbridge.platform.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Progress of long jobs (table {@code job_run}): a job starts a run, reports how far it is as it goes, and
 * ends it. Every write is its own transaction (REQUIRES_NEW), so progress is visible while the job's own
 * transaction is still open and survives its rollback. A person (or the API) may ask a run to stop; the
 * job reads {@link #cancelRequested} between its steps and ends the run as cancelled.
 */
@Service
public class JobProgress {

    /** A run as the API and the console show it. */
    public record Run(long id, String kind, String name, String status, Long total, long done,
                      Map<String, Object> detail, String message, boolean cancelRequested, String startedBy,
                      java.time.OffsetDateTime startedAt, java.time.OffsetDateTime updatedAt,
                      java.time.OffsetDateTime finishedAt) {
        /** Share done, 0 to 1, when the total is known. */
        @com.fasterxml.jackson.annotation.JsonProperty("fraction")
        public Double fraction() {
            return total == null || total <= 0 ? null : Math.min(1.0, (double) done / total);
        }
    }

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public JobProgress(JdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /** Starts a run; {@code total} may be null when the job does not know its size yet. Returns its id. */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public long start(String kind, String name, Long total, String startedBy) {
        return jdbc.queryForObject("insert into job_run (kind, name, total, started_by) values (?, ?, ?, ?) returning id",
                Long.class, kind, name, total, startedBy);
    }

    /** Reports how far a running run is; {@code detail} replaces the job-specific counters when not null. */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void advance(long id, long done, Long total, Map<String, ?> detail) {
        jdbc.update("""
                update job_run set done = ?, total = coalesce(?, total), detail = coalesce(?::jsonb, detail), updated_at = now()
                where id = ? and status = 'running'""", done, total, json(detail), id);
    }

    /** Ends a run: succeeded, failed or cancelled, with a message (the failure, or a summary). */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void finish(long id, String status, String message) {
        if (!List.of("succeeded", "failed", "cancelled").contains(status)) {
            throw new IllegalArgumentException("a run ends succeeded, failed or cancelled, not " + status);
        }
        jdbc.update("""
                update job_run set status = ?, message = ?, finished_at = now(), updated_at = now()
                where id = ? and status = 'running'""", status, message, id);
    }

    /** Asks a running run to stop; false when it is not running (finished, or unknown). */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public boolean requestCancel(long id) {
        return jdbc.update("update job_run set cancel_requested = true, updated_at = now() where id = ? and status = 'running'", id) > 0;
    }

    public boolean cancelRequested(long id) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select cancel_requested from job_run where id = ?", Boolean.class, id));
    }

    public Optional<Run> find(long id) {
        return jdbc.query(SELECT + " where id = ?", this::row, id).stream().findFirst();
    }

    /** The most recent runs, newest first, optionally of one kind or status. */
    public List<Run> recent(String kind, String status, int limit) {
        return jdbc.query(SELECT + " where (?::text is null or kind = ?) and (?::text is null or status = ?) order by id desc limit ?",
                this::row, kind, kind, status, status, limit);
    }

    private static final String SELECT = """
            select id, kind, name, status, total, done, detail::text, message, cancel_requested, started_by,
                   started_at, updated_at, finished_at from job_run""";

    private Run row(java.sql.ResultSet rs, int i) throws java.sql.SQLException {
        long total = rs.getLong(5);
        Long t = rs.wasNull() ? null : total;
        Map<String, Object> detail;
        try {
            detail = mapper.readValue(rs.getString(7), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("job_run " + rs.getLong(1) + " has unreadable detail", e);
        }
        return new Run(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), t, rs.getLong(6), detail,
                rs.getString(8), rs.getBoolean(9), rs.getString(10),
                rs.getObject(11, java.time.OffsetDateTime.class), rs.getObject(12, java.time.OffsetDateTime.class),
                rs.getObject(13, java.time.OffsetDateTime.class));
    }

    private String json(Map<String, ?> detail) {
        if (detail == null) {
            return null;
        }
        try {
            return mapper.writeValueAsString(detail);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
