import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the discovery program prints before each test's unique id. */
export const DISCOVERY_PREFIX = 'proctor-test ';

// Run with Java's single-file source launcher (java 11+), with the console launcher's jar on the
// class path: the Launcher API's discovery is stable from JUnit Platform 1.0 on, whereas the
// console launcher's own `discover` command appeared only in 1.10 (Debian 12 ships 1.9).
const SOURCE = `import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** Prints the unique id of every test (and parameterized or factory method) under the given class path roots. */
public class ProctorJUnitDiscovery {
  public static void main(String[] args) {
    Set<Path> roots = new LinkedHashSet<>();
    for (String arg : args) roots.add(Paths.get(arg));
    TestPlan plan = LauncherFactory.create().discover(LauncherDiscoveryRequestBuilder.request()
        .selectors(DiscoverySelectors.selectClasspathRoots(roots))
        .filters(ClassNameFilter.includeClassNamePatterns(ClassNameFilter.STANDARD_INCLUDE_PATTERN))
        .build());
    for (TestIdentifier root : plan.getRoots()) print(plan, root);
  }

  private static void print(TestPlan plan, TestIdentifier id) {
    boolean method = id.getSource().filter(s -> s instanceof MethodSource).isPresent();
    if (id.isTest() || method) {
      System.out.println("${DISCOVERY_PREFIX}" + id.getUniqueId());
      return;
    }
    for (TestIdentifier child : plan.getChildren(id)) print(plan, child);
  }
}
`;

/** Writes the discovery program into `reportDir` and returns its path. */
export function writeDiscoveryProgram(reportDir: string): string {
  const path = join(reportDir, 'ProctorJUnitDiscovery.java');
  writeFileSync(path, SOURCE);
  return path;
}

/** The unique ids the discovery program printed. */
export function discoveredUniqueIds(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((line) => line.startsWith(DISCOVERY_PREFIX))
    .map((line) => line.slice(DISCOVERY_PREFIX.length).trim());
}
