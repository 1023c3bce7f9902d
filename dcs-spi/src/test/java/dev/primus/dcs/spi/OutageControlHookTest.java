package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.function.Executable;
import org.opentest4j.TestAbortedException;

/**
 * The kit's outage hook itself: without an {@link OutageControl} the two outage checks are skipped with
 * the reason (never passed), and with one the kit drives it in order and always restores the store.
 * The kit's lifecycle methods are called by hand, as JUnit would around one check.
 */
class OutageControlHookTest {

  /** A kit on the in-memory store whose outage control the test chooses. */
  static final class Kit extends KeyValueStoreContract {
    final InMemoryDcs dcs = new InMemoryDcs(Clock.systemUTC());
    Optional<OutageControl> control = Optional.empty();

    @Override
    protected KeyValueStore newClient() {
      return dcs.client("kit");
    }

    @Override
    protected Optional<OutageControl> outageControl() {
      return control;
    }
  }

  private static void runCheck(Kit kit, String check, Executable body) throws Throwable {
    kit.choosePrefix(testInfo(check));
    try {
      body.execute();
    } finally {
      kit.deletePrefixAndCloseClients();
    }
  }

  @Test
  void withoutAControlBothOutageChecksAreSkippedWithTheReason() throws Throwable {
    Kit kit = new Kit();
    List<Executable> checks = List.of(kit::unreachableStoreIsReportedAndRecovered, kit::requestsWhileUnreachableFailRetryably);
    for (Executable check : checks) {
      runCheck(kit, "outage", () -> {
        TestAbortedException skipped = assertThrows(TestAbortedException.class, check);
        assertTrue(skipped.getMessage().contains("Kit supplies no outageControl()"), skipped.getMessage());
      });
    }
  }

  @Test
  void aNullControlIsAnErrorThatSaysWhatToReturn() throws Throwable {
    Kit kit = new Kit();
    kit.control = null;
    runCheck(kit, "outage", () -> {
      NullPointerException e = assertThrows(NullPointerException.class, kit::unreachableStoreIsReportedAndRecovered);
      assertTrue(e.getMessage().contains("return Optional.empty()"), e.getMessage());
    });
  }

  @Test
  void aControlIsDrivenInOrderAndTheStoreIsRestoredEvenWhenMakeUnreachableFails() throws Throwable {
    Kit kit = new Kit();
    List<String> calls = new ArrayList<>();
    kit.control = Optional.of(OutageControl.of(() -> {
      calls.add("cut");
      kit.dcs.setAvailable(false);
      throw new IllegalStateException("the second server would not stop");
    }, () -> {
      calls.add("restore");
      kit.dcs.setAvailable(true);
    }));
    runCheck(kit, "outage", () -> assertThrows(IllegalStateException.class, kit::requestsWhileUnreachableFailRetryably));
    assertEquals(List.of("cut", "restore"), calls, "a half-done outage is undone by the cleanup");
    try (KeyValueStore after = kit.dcs.client("after")) {
      assertTrue(after.connectionState().isConnected());
    }
  }

  private static TestInfo testInfo(String method) {
    return new TestInfo() {
      @Override
      public String getDisplayName() {
        return method;
      }

      @Override
      public Set<String> getTags() {
        return Set.of();
      }

      @Override
      public Optional<Class<?>> getTestClass() {
        return Optional.of(KeyValueStoreContract.class);
      }

      @Override
      public Optional<Method> getTestMethod() {
        return Optional.empty();
      }
    };
  }
}
