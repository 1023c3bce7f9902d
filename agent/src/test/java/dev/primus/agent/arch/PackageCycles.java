package dev.primus.agent.arch;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * One slice per package directly under {@code root} (its own classes are a slice too), so a rule can ask
 * for no cycles between the packages of a module, the root package included (ArchUnit's
 * {@code matching("root.(*)..")} leaves the root's classes out).
 */
public final class PackageCycles implements SliceAssignment {
  private final String root;

  public PackageCycles(String root) {
    this.root = root;
  }

  @Override
  public SliceIdentifier getIdentifierOf(JavaClass c) {
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
    return "the packages of " + root;
  }
}
