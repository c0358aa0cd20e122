package io.ledgerbridge.ledger;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The ledger, usage-rating and contract-validation models are plain Java: no Spring, no Camel, no JDBC, no JSON (engineering.md). */
class LedgerArchitectureTest {

    @Test
    void theLedgerDomainHasNoFrameworkInIt() {
        // every class of the three packages; their package-info only declares them a named interface of their
        // module (Spring Modulith's @NamedInterface, ModuleStructureTest): a declaration about the package, no code
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("/package-info.class"))
                .importPackages("io.ledgerbridge.ledger.domain", "io.ledgerbridge.usage.domain", "io.ledgerbridge.contracts.domain");
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                "org.springframework..", "org.apache.camel..", "java.sql..", "javax.sql..", "com.fasterxml..")
                .check(classes);
    }
}
