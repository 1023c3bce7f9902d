package dev.primus.agent.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * What the agent module promises an embedder, checked on its classes: it knows no backend and nothing of the
 * runner (no YAML, no CLI, no logging backend, no REST framework), it never ends the process, it keeps no
 * static mutable state (many agents share a JVM), and its packages have no cycles.
 */
class AgentArchitectureTest {
  static final JavaClasses AGENT = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.primus.agent");

  @Test
  void theAgentKnowsNoBackendAndNothingOfTheRunner() {
    ArchRule rule = noClasses().should().dependOnClassesThat().resideInAnyPackage(
            "dev.primus.runner..", "dev.primus.dcs.etcd..", "dev.primus.dcs.zookeeper..", "dev.primus.dcs.consul..",
            "dev.primus.db..", "io.etcd..", "org.apache.curator..", "org.apache.zookeeper..", "org.kiwiproject..",
            "org.postgresql..", "picocli..", "ch.qos.logback..", "com.fasterxml.jackson..", "com.sun.net.httpserver..",
            "com.sun.jna..")
        .because("an embedder adds one dcs-* and one db-* module; the agent runs over their SPIs only, and native"
            + " access (the watchdog's ioctls) is the runner's");
    rule.check(AGENT);
  }

  @Test
  void theAgentNeverEndsTheProcess() {
    noClasses().should().callMethod(System.class, "exit", int.class)
        .orShould().callMethod(Runtime.class, "exit", int.class)
        .orShould().callMethod(Runtime.class, "halt", int.class)
        .because("an embedding control plane owns its process")
        .check(AGENT);
  }

  @Test
  void theAgentKeepsNoStaticMutableState() {
    fields().that().areStatic().should().beFinal()
        .because("many agents share one JVM: anything static is shared by all of them")
        .check(AGENT);
  }

  @Test
  void theAgentsPackagesHaveNoCycles() {
    slices().assignedFrom(new PackageCycles("dev.primus.agent")).should().beFreeOfCycles().check(AGENT);
  }
}
