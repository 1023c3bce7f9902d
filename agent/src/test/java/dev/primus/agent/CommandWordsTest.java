package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Script commands are cut into words as Patroni's shlex.split cuts them, without a shell. */
class CommandWordsTest {

  @Test
  void blanksSeparateWords() {
    assertEquals(List.of("/usr/local/bin/cb.sh", "--fast", "x"), CommandWords.split("  /usr/local/bin/cb.sh\t--fast  x "));
  }

  @Test
  void quotesKeepBlanksAndEscapesWork() {
    assertEquals(List.of("python3", "/opt/my scripts/cb.py", "it's", "$HOME", "a\"b", "c d"),
        CommandWords.split("python3 '/opt/my scripts/cb.py' \"it's\" '$HOME' \"a\\\"b\" c\\ d"));
    assertEquals(List.of("x", ""), CommandWords.split("x ''"));
    assertEquals(List.of("ab"), CommandWords.split("a'b'"));
  }

  @Test
  void unbalancedQuotesAndEmptyCommandsAreRefused() {
    assertEquals("the ' opened at character 4 is never closed",
        assertThrows(IllegalArgumentException.class, () -> CommandWords.split("cb 'x")).getMessage());
    assertEquals("the \" opened at character 1 is never closed",
        assertThrows(IllegalArgumentException.class, () -> CommandWords.split("\"cb")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> CommandWords.split("   "));
  }
}
