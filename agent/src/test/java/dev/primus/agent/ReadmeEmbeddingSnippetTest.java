package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's embedding example is the code of {@code EmbeddedAgentIT} (between its {@code README:begin
 * embedding} and {@code README:end} markers), which runs against real etcd and PostgreSQL: this test keeps
 * the README's copy byte for byte equal to it, one indentation level less.
 */
class ReadmeEmbeddingSnippetTest {
  private static final Path TEST = Path.of("src/test/java/dev/primus/agent/it/EmbeddedAgentIT.java");
  private static final Path README = Path.of("../README.md");

  @Test
  void theReadmeShowsTheCodeEmbeddedAgentItRuns() throws Exception {
    String source = Files.readString(TEST);
    String begin = "  // README:begin embedding\n";
    String end = "  // README:end embedding";
    int from = source.indexOf(begin);
    int to = source.indexOf(end);
    assertTrue(from >= 0 && to > from, TEST + " must mark its embedding example with README:begin/end");
    String region = source.substring(from + begin.length(), to);
    assertTrue(region.contains("PrimusAgent.builder()"), "the marked region is the builder example: " + region);
    String dedented = Arrays.stream(region.split("\n", -1))
        .map(l -> l.startsWith("  ") ? l.substring(2) : l)
        .collect(Collectors.joining("\n"));
    String readme = Files.readString(README);
    assertTrue(readme.contains("```java\n" + dedented + "```"),
        "README.md's embedding example differs from " + TEST + "'s marked region; paste this into README.md:\n"
            + dedented);
  }
}
