package io.ledgerbridge.modules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModule;

/**
 * One writer per table: the SQL literals of every class (string literals and text blocks) and of every
 * route file are scanned for statements that write a table (insert, update, delete, merge, truncate,
 * copy ... from), and each write is attributed to the module of the class. A table with an owner may be
 * written by its owner only; every other module goes through the owner's API.
 */
class TableOwnershipTest {

    /** Every table the product writes, and the module that owns it (its only writer, but for {@link #SHARED}). */
    static final Map<String, String> OWNERS = Map.ofEntries(
            // inbox_event is a view over the two: the event as received, written once, and its pipeline state
            Map.entry("received_event", "inbox"),
            Map.entry("pipeline_state", "inbox"),
            Map.entry("inbox_conflict", "inbox"),
            Map.entry("exception_item", "exceptions"),
            Map.entry("audit_record", "audit"),
            Map.entry("processed_message", "platform"),
            Map.entry("job_run", "platform"),
            Map.entry("customer", "customers"),
            Map.entry("customer_xref", "customers"),
            Map.entry("account", "ledger"),
            Map.entry("accounting_period", "ledger"),
            Map.entry("journal_entry", "ledger"),
            Map.entry("journal_line", "ledger"),
            Map.entry("ar_invoice", "ledger"),
            Map.entry("ar_payment", "ledger"),
            Map.entry("invoice_line", "ledger"),
            Map.entry("line_reduction", "ledger"),
            Map.entry("payout_failure", "ledger"),
            Map.entry("dead_letter", "pipeline"),
            Map.entry("deal", "contracts"),
            Map.entry("contract", "contracts"),
            Map.entry("contract_action", "contracts"),
            Map.entry("usage_batch", "usage"),
            Map.entry("usage_charge", "usage"),
            Map.entry("usage_close_run", "usage"),
            Map.entry("usage_event", "usage"),
            Map.entry("usage_stage", "usage"),
            Map.entry("recognition_posting", "revenue"),
            Map.entry("recognition_run", "revenue"),
            Map.entry("erp_posting", "erp"),
            Map.entry("erp_credential", "erp"),
            Map.entry("bank_deposit", "reconciliation"),
            Map.entry("recon_run", "reconciliation"),
            Map.entry("recon_item", "reconciliation"),
            Map.entry("recon_break", "reconciliation"),
            Map.entry("stripe_import", "sources.stripe"),
            Map.entry("stripe_import_cursor", "sources.stripe"),
            Map.entry("stripe_event_recovery", "sources.stripe"),
            Map.entry("source_checkpoint", "sources.salesforce"));

    /**
     * Writes by a module other than the owner that are kept on purpose, each with its reason. The three
     * tables issue 22 names (inbox_event, now the view over received_event and pipeline_state,
     * exception_item, audit_record) have none, and never may.
     */
    static final Map<String, Map<String, String>> SHARED = Map.of(
            "erp_posting", Map.of("ledger",
                    "the transactional outbox: a posting's row per ERP is inserted in the statement that writes its entry"),
            "invoice_line", Map.of("revenue",
                    "recognition records its progress (recognised, recognised_through) on the ledger's invoice lines in one set-based statement a run"),
            "usage_charge", Map.of("ledger",
                    "posting an invoice marks the accrued usage charges it relieves, in the posting's transaction"));

    private static final Pattern WRITE = Pattern.compile(
            "(?<!for |do |skip |nowait )\\b(insert\\s+into|update|delete\\s+from|merge\\s+into|truncate(?:\\s+table)?|copy)\\s+([a-z_][a-z0-9_]*)\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TEXT_BLOCK = Pattern.compile("\"\"\"(.*?)\"\"\"", Pattern.DOTALL);
    private static final Pattern STRING = Pattern.compile("\"((?:\\\\.|[^\"\\\\\\n])*)\"");

    record Write(String table, String module, String file) {
    }

    @Test
    void everyTableIsWrittenByItsOwnerOnly() {
        List<String> trespasses = writes().stream()
                .filter(w -> !w.module().equals(OWNERS.get(w.table()))
                        && !SHARED.getOrDefault(w.table(), Map.of()).containsKey(w.module()))
                .map(w -> w.file() + " (module " + w.module() + ") writes " + w.table()
                        + (OWNERS.containsKey(w.table()) ? ", owned by " + OWNERS.get(w.table()) : ", a table without an owner"))
                .distinct().toList();
        assertThat(trespasses).as("writes to a table outside its owning module").isEmpty();
    }

    @Test
    void theIssuesThreeTablesHaveOneWriterEach() {
        Map<String, Set<String>> writers = writersByTable(writes());
        assertThat(writers).as("inbox_event is a view: nothing writes it").doesNotContainKey("inbox_event");
        for (String table : List.of("received_event", "pipeline_state", "exception_item", "audit_record")) {
            assertThat(SHARED).doesNotContainKey(table);
            assertThat(writers.get(table)).as(table + " writers").containsExactly(OWNERS.get(table));
        }
    }

    @Test
    void everyOwnerAndEverySharedWriteIsStillReal() {
        Map<String, Set<String>> writers = writersByTable(writes());
        List<String> stale = new ArrayList<>();
        OWNERS.forEach((table, owner) -> {
            if (!writers.getOrDefault(table, Set.of()).contains(owner)) {
                stale.add(table + ": its owner " + owner + " does not write it");
            }
        });
        SHARED.forEach((table, modules) -> modules.keySet().forEach(module -> {
            if (!writers.getOrDefault(table, Set.of()).contains(module)) {
                stale.add(table + ": the shared write by " + module + " is gone");
            }
        }));
        assertThat(stale).as("owners and shared writes that no code makes any more").isEmpty();
    }

    @Test
    void theScanSeesWritesAndIgnoresLockingClauses() {
        assertThat(tables("insert into exception_item (kind) values (?)")).containsExactly("exception_item");
        assertThat(tables("update inbox_event e set status = o.status from unnest(?) o")).containsExactly("inbox_event");
        assertThat(tables("select id from erp_posting for update skip locked")).isEmpty();
        assertThat(tables("insert into t (a) values (1) on conflict do update set a = 2")).containsExactly("t");
        assertThat(tables("delete from audit_record where id = 1")).containsExactly("audit_record");
        assertThat(tables("copy usage_stage from stdin")).containsExactly("usage_stage");
    }

    static Map<String, Set<String>> writersByTable(List<Write> writes) {
        Map<String, Set<String>> byTable = new TreeMap<>();
        for (Write w : writes) {
            byTable.computeIfAbsent(w.table(), t -> new TreeSet<>()).add(w.module());
        }
        return byTable;
    }

    /** Every table write in the main sources and the routes, with the module that makes it. */
    static List<Write> writes() {
        List<Write> writes = new ArrayList<>();
        Path main = Path.of("src/main/java");
        try (Stream<Path> files = Files.walk(main)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                String type = main.relativize(file).toString().replace('/', '.').replaceAll("\\.java$", "");
                String module = ModuleStructureTest.MODULES.getModuleByType(type)
                        .map(ApplicationModule::getIdentifier).map(Object::toString).orElse("(no module)");
                for (String literal : literals(source)) {
                    for (String table : tables(literal)) {
                        writes.add(new Write(table, module, main.relativize(file).toString()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Stream<Path> files = Files.walk(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (String table : tables(Files.readString(file))) {
                    writes.add(new Write(table, "(route " + file.getFileName() + ")", file.toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return writes;
    }

    static List<String> literals(String source) {
        List<String> literals = new ArrayList<>();
        Matcher blocks = TEXT_BLOCK.matcher(source);
        StringBuilder rest = new StringBuilder();
        while (blocks.find()) {
            literals.add(blocks.group(1));
            blocks.appendReplacement(rest, "");
        }
        blocks.appendTail(rest);
        Matcher strings = STRING.matcher(rest);
        while (strings.find()) {
            literals.add(strings.group(1));
        }
        return literals;
    }

    static List<String> tables(String sql) {
        List<String> tables = new ArrayList<>();
        Matcher m = WRITE.matcher(sql);
        while (m.find()) {
            String verb = m.group(1).toLowerCase().replaceAll("\\s+", " ");
            String table = m.group(2).toLowerCase();
            if (verb.equals("update") && table.equals("set")) {
                continue; // on conflict do update set ...
            }
            if (verb.equals("copy") && !sql.substring(m.end()).stripLeading().toLowerCase().matches("(?s)(\\([^)]*\\)\\s*)?from\\b.*")) {
                continue; // copy ... to: a read
            }
            tables.add(table);
        }
        return tables;
    }
}
