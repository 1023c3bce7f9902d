package dev.primus.runner.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

/**
 * The runner stays thin: no package of it is part of an import cycle (its root package included), the agent
 * module never imports it, and no HA decision lives here (it holds no executor of actions).
 */
class RunnerArchitectureTest {
  static final JavaClasses ALL = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.primus.runner", "dev.primus.agent");

  /** One slice per package directly under {@code dev.primus.runner}, its root package being one too. */
  static final SliceAssignment RUNNER_PACKAGES = new SliceAssignment() {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass c) {
      String root = "dev.primus.runner";
      String p = c.getPackageName();
      if (p.equals(root)) {
        return SliceIdentifier.of(root);
      }
      if (!p.startsWith(root + ".")) {
        return SliceIdentifier.ignore();
      }
      String rest = p.substring(root.length() + 1);
      int dot = rest.indexOf('.');
      return SliceIdentifier.of(root + "." + (dot < 0 ? rest : rest.substring(0, dot)));
    }

    @Override
    public String getDescription() {
      return "the packages of the runner";
    }
  };

  @Test
  void theRunnersPackagesHaveNoCycles() {
    slices().assignedFrom(RUNNER_PACKAGES).should().beFreeOfCycles().check(ALL);
  }

  @Test
  void theAgentDoesNotImportTheRunner() {
    noClasses().that().resideInAPackage("dev.primus.agent..")
        .should().dependOnClassesThat().resideInAPackage("dev.primus.runner..")
        .check(ALL);
  }

  @Test
  void theRunnerExecutesNoActionItself() {
    noClasses().that().resideInAPackage("dev.primus.runner..")
        .should().callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe("a call of the engine's decide",
            call -> call.getTargetOwner().getName().equals("dev.primus.ha.HaEngine") && call.getName().equals("decide")))
        .orShould().callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe("a call of a driver's mutating method",
            call -> call.getTargetOwner().isAssignableTo(dev.primus.ha.driver.DatabaseDriver.class)
                && !call.getName().equals("probe") && !call.getName().equals("close")))
        .because("the engine decides and the agent executes; the runner only wires them and adapts their API"
            + " (ctl and demo read the cluster, they do not act on a database)")
        .check(ALL);
  }
}
