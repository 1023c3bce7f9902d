package dev.primus.ha.puritycheck;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import dev.primus.ha.PurityRules;
import org.junit.jupiter.api.Test;

/**
 * Proves the purity rules can fail: each rule is run, exactly as the engine's purity test runs it,
 * against a class that breaks it (it must report a violation) and against a clean class (it must not).
 */
class PurityRulesCatchViolationsTest {

  private static void caught(ArchRule rule, Class<?> violator) {
    JavaClasses classes = new ClassFileImporter().importClasses(violator);
    assertTrue(rule.evaluate(classes).hasViolation(), rule.getDescription() + " must catch " + violator.getSimpleName());
  }

  @Test
  void fileIoIsCaught() {
    caught(PurityRules.NO_FILE_IO, Violators.ReadsAFile.class);
    caught(PurityRules.NO_FILE_IO, Violators.ReadsWithNio.class);
  }

  @Test
  void networkIsCaught() {
    caught(PurityRules.NO_NETWORK, Violators.OpensAUri.class);
  }

  @Test
  void processesAreCaught() {
    caught(PurityRules.NO_PROCESSES, Violators.StartsAProcess.class);
  }

  @Test
  void threadsAreCaught() {
    caught(PurityRules.NO_THREADS, Violators.StartsAThread.class);
    caught(PurityRules.NO_THREADS, Violators.UsesAnExecutor.class);
    caught(PurityRules.NO_THREADS, Violators.GoesAsync.class);
  }

  @Test
  void clockReadsAreCaught() {
    caught(PurityRules.NO_CLOCK, Violators.ReadsMillis.class);
    caught(PurityRules.NO_CLOCK, Violators.ReadsNanos.class);
    caught(PurityRules.NO_CLOCK, Violators.ReadsInstantNow.class);
    caught(PurityRules.NO_CLOCK, Violators.ReadsLocalDateTimeNow.class);
    caught(PurityRules.NO_CLOCK, Violators.UsesTheSystemClock.class);
  }

  @Test
  void unseededRandomnessIsCaught() {
    caught(PurityRules.NO_UNSEEDED_RANDOMNESS, Violators.UsesMathRandom.class);
    caught(PurityRules.NO_UNSEEDED_RANDOMNESS, Violators.UsesUnseededRandom.class);
    caught(PurityRules.NO_UNSEEDED_RANDOMNESS, Violators.UsesThreadLocalRandom.class);
    caught(PurityRules.NO_UNSEEDED_RANDOMNESS, Violators.UsesSecureRandom.class);
  }

  @Test
  void aCleanClassPassesEveryRule() {
    JavaClasses clean = new ClassFileImporter().importClasses(Violators.Clean.class);
    for (ArchRule rule : PurityRules.all()) {
      assertFalse(rule.evaluate(clean).hasViolation(), rule.getDescription());
    }
  }
}
