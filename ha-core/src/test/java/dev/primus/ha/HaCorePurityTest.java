package dev.primus.ha;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine's main classes (every package under {@code dev.primus.ha}) keep the purity rules. */
class HaCorePurityTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages("dev.primus.ha");
  }

  @Test
  void theImportSeesTheEngineAndNoTestCode() {
    assertTrue(main.contain(HaEngine.class), "the engine itself is checked");
    assertTrue(main.contain(dev.primus.ha.driver.DatabaseDriver.class), "sub-packages are checked");
    assertTrue(main.stream().noneMatch(c -> c.getName().startsWith("dev.primus.ha.puritycheck")), "no fixtures");
    assertTrue(main.stream().noneMatch(c -> c.getSimpleName().endsWith("Test")), "no tests");
  }

  @Test
  void noFileIo() {
    check(PurityRules.NO_FILE_IO);
  }

  @Test
  void noNetwork() {
    check(PurityRules.NO_NETWORK);
  }

  @Test
  void noProcesses() {
    check(PurityRules.NO_PROCESSES);
  }

  @Test
  void noThreads() {
    check(PurityRules.NO_THREADS);
  }

  @Test
  void noClockReads() {
    check(PurityRules.NO_CLOCK);
  }

  @Test
  void noUnseededRandomness() {
    check(PurityRules.NO_UNSEEDED_RANDOMNESS);
  }

  private static void check(ArchRule rule) {
    rule.check(main);
  }
}
