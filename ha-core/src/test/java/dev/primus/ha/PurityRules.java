package dev.primus.ha;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.lang.ArchRule;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import java.util.Timer;
import java.util.TimerTask;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the decision engine must not touch: files, sockets, processes, threads, the clock, unseeded
 * randomness. One rule per kind, so a violation names its kind, and the same rules are checked against
 * the engine ({@link HaCorePurityTest}) and against deliberate violators
 * ({@code dev.primus.ha.puritycheck}), which proves each rule can fail.
 */
public final class PurityRules {
  private PurityRules() {}

  public static final ArchRule NO_FILE_IO = noClasses()
      .should().dependOnClassesThat(nameMatching("java\\.io\\.(File.*|RandomAccessFile)"))
      .orShould().dependOnClassesThat().resideInAPackage("java.nio.file..")
      .because("the engine decides; reading and writing files is the driver's and the runner's job");

  public static final ArchRule NO_NETWORK = noClasses()
      .should().dependOnClassesThat().resideInAPackage("java.net..")
      .because("the DCS and the peers are observed by the runner and handed in");

  public static final ArchRule NO_PROCESSES = noClasses()
      .should().dependOnClassesThat().belongToAnyOf(ProcessBuilder.class, Process.class, Runtime.class, ProcessHandle.class)
      .because("processes are the driver's");

  public static final ArchRule NO_THREADS = noClasses()
      .should().dependOnClassesThat().belongToAnyOf(Thread.class, ExecutorService.class, Executors.class,
          ScheduledExecutorService.class, ForkJoinPool.class, Timer.class, TimerTask.class)
      .orShould().callMethodWhere(asyncCompletableFutureCall())
      .because("the runner owns threads; a decision is one synchronous function call");

  public static final ArchRule NO_CLOCK = noClasses()
      .should().callMethod(System.class, "currentTimeMillis")
      .orShould().callMethod(System.class, "nanoTime")
      .orShould().callMethodWhere(clockRead())
      .because("now is an argument: the engine never reads a clock");

  public static final ArchRule NO_UNSEEDED_RANDOMNESS = noClasses()
      .should().callMethod(Math.class, "random")
      .orShould().callMethod(StrictMath.class, "random")
      .orShould().callConstructor(Random.class)
      .orShould().callMethod(UUID.class, "randomUUID")
      .orShould().dependOnClassesThat().belongToAnyOf(ThreadLocalRandom.class, SecureRandom.class)
      .because("the same inputs must always give the same decision");

  /** Every rule, in a fixed order. */
  public static List<ArchRule> all() {
    return List.of(NO_FILE_IO, NO_NETWORK, NO_PROCESSES, NO_THREADS, NO_CLOCK, NO_UNSEEDED_RANDOMNESS);
  }

  private static DescribedPredicate<JavaClass> nameMatching(String regex) {
    return DescribedPredicate.describe("have a name matching '" + regex + "'", c -> c.getName().matches(regex));
  }

  private static DescribedPredicate<JavaMethodCall> asyncCompletableFutureCall() {
    return DescribedPredicate.describe("an asynchronous CompletableFuture method",
        call -> call.getTargetOwner().isEquivalentTo(CompletableFuture.class) && call.getName().endsWith("Async"));
  }

  /** {@code now(...)} of any java.time type, and {@code Clock.system*}. */
  private static DescribedPredicate<JavaMethodCall> clockRead() {
    return DescribedPredicate.describe("a read of the system clock", call -> {
      String owner = call.getTargetOwner().getName();
      String name = call.getName();
      return (owner.startsWith("java.time.") && name.equals("now"))
          || (owner.equals("java.time.Clock") && name.startsWith("system"));
    });
  }
}
