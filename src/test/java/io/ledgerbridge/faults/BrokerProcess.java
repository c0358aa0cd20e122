package io.ledgerbridge.faults;

import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A Kafka broker (KRaft, broker and controller in one node) as its own operating-system process with
 * its data in a directory that outlives it, so that it can be killed and started again as a real
 * broker restart: Apache Kafka's own {@code kafka.tools.StorageTool} and {@code kafka.Kafka}, from the
 * test classpath.
 */
final class BrokerProcess implements AutoCloseable {

    final int port;
    private final int controllerPort;
    private final Path dir;
    private final Path config;
    private Process process;

    private BrokerProcess(Path dir) throws Exception {
        this.dir = dir;
        port = freePort();
        controllerPort = freePort();
        config = dir.resolve("server.properties");
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("data").toString());
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "6");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        try (var out = Files.newBufferedWriter(config)) {
            p.store(out, "fault-test broker");
        }
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d %-5level %logger{30} %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="out"/></root>
                </configuration>""");
        Process format = java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("format.log").toFile())).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed: " + Files.readString(dir.resolve("format.log")));
        }
    }

    static BrokerProcess create(Path dir) throws Exception {
        return new BrokerProcess(Files.createDirectories(dir));
    }

    String bootstrap() {
        return "localhost:" + port;
    }

    /** Starts the broker on its data directory and waits until it answers. */
    void start() throws Exception {
        process = java("kafka.Kafka", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        AtomicReference<Exception> notYet = new AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited: " + Files.readString(dir.resolve("broker.log")));
                }
                try (Admin client = Admin.create(admin)) {
                    client.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    notYet.set(e);
                    return false;
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("the broker did not answer in 90 s", notYet.get());
        }
    }

    /** Kills the broker as {@code kill -9} does. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private ProcessBuilder java(String main, String... args) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-Dlogback.configurationFile=" + dir.resolve("logback.xml"), "-cp", classpath, main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
