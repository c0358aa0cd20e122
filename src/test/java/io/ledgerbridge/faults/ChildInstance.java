package io.ledgerbridge.faults;

import static org.awaitility.Awaitility.await;

import io.ledgerbridge.LedgerbridgeApplication;
import io.ledgerbridge.support.FakeSaas;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The product as a separate operating-system process (a real JVM that can die at a crash point as
 * under {@code kill -9}), on the test JVM's classpath, against the test JVM's embedded PostgreSQL
 * (its own database) and Kafka broker (its own topics and consumer groups), so nothing it does
 * mixes with the shared test context. SaaS fakes are the parent's, and outlive the child.
 */
public final class ChildInstance implements AutoCloseable {

    private final Process process;
    public final int port;
    final Path log;

    private ChildInstance(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The operating-system process id of the product. */
    public long pid() {
        return process.pid();
    }

    /** JVM options of the fault runs: a small heap and quick start-up (C1 only), since they start many children. */
    static final List<String> QUICK_START = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** Starts the product with the given properties (as command-line arguments) and waits until it is ready. */
    static ChildInstance start(Path home, String name, Map<String, String> properties) throws Exception {
        return start(home, name, properties, QUICK_START);
    }

    /** The same with the JVM options given (a benchmark runs the product as in production, with both JIT compilers). */
    public static ChildInstance start(Path home, String name, Map<String, String> properties, List<String> jvmOptions)
            throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path project = Path.of("").toAbsolutePath();
        for (String dir : List.of("routes", "mappings")) {
            if (!Files.exists(home.resolve(dir))) {
                try (var files = Files.walk(project.resolve(dir))) {
                    for (Path from : (Iterable<Path>) files::iterator) {
                        Path to = home.resolve(project.relativize(from).toString());
                        if (Files.isDirectory(from)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(from, to);
                        }
                    }
                }
            }
        }
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-Dfakesaas.url=" + FakeSaas.url(),
                "-cp", classpath, LedgerbridgeApplication.class.getName(),
                "--spring.profiles.active=test",
                "--server.port=" + port,
                "--camel.main.name=" + name,
                "--spring.application.name=" + name));
        properties.forEach((k, v) -> command.add("--" + k + "=" + v));
        Path log = home.resolve(name + ".log");
        Process process = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ChildInstance child = new ChildInstance(process, port, log);
        child.awaitReady();
        return child;
    }

    private void awaitReady() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the child exited with " + process.exitValue() + " while starting:\n" + tail());
                }
                try {
                    return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (IOException notYet) {
                    return false; // still starting
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("the child did not become ready in 180 s:\n" + tail());
        }
    }

    /** Waits for the process to end by itself; returns its exit code, or null if it is still alive. */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    boolean alive() {
        return process.isAlive();
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
