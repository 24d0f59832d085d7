import { join } from 'node:path';
import { shellQuote } from './command-template.js';
import { installSource } from './install-source.js';
import { compiledClasses } from './junit5-class-cache.js';
import { javaInputs, javacArgumentFile } from './junit5-setup.js';
import type { AdapterContext, CommandSpec } from './types.js';

/** The file, in a batch's report directory, listing the selectors JUnit could not resolve: `selector<TAB>why` a line. */
export const JUNIT5_UNRESOLVED = 'junit5-unresolved.txt';

/**
 * Proctor's JUnit 5 runner, for one-shot runs (`--batch <file>`) and queue mode (options.worker:
 * true) alike: compiled once per agent against the console launcher's jar (see
 * {@link junit5RunnerSetup}) and run with it on the class path.
 *
 * A batch names its `report_dir` and its `selectors` (`method:com.x.CalcTest#adds(int, int)`,
 * `class:com.x.CalcTest`, or `root:<directory>` for every test class under a class path root, by
 * JUnit's standard class name pattern, as discovery finds them: a whole suite's run); the runner runs them with the tests' stdout and stderr captured, writes
 * the legacy XML reports into `<report_dir>/junit5-reports` as the console launcher's
 * `--reports-dir` does, and prints the batch's failures and counts and a closing line with its pid.
 * A selector the engines cannot resolve (a method or class that is gone) fails the whole discovery
 * in JUnit, as it does the console launcher's run: the runner then finds which, writes them with
 * JUnit's reason to `<report_dir>/junit5-unresolved.txt`, and runs the rest.
 *
 * One-shot, it exits 0 when every test passed, else 1. As a worker it reads batch after batch, one
 * JSON line each, and says a batch is done with a line on a FIFO that the worker's shell copies to
 * fd 3 (Java cannot open a socket by path). Test classes are loaded once then: their static state
 * lives on between batches, as module state does in the other workers.
 */
export const JUNIT5_WORKER_SOURCE = String.raw`import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.ClasspathRootSelector;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

/** Proctor's JUnit 5 runner; see src/adapters/junit5-worker-program.ts in Proctor. */
public class ProctorJUnitWorker {
  public static void main(String[] args) throws IOException {
    Launcher launcher = LauncherFactory.create();
    if (args.length == 2 && args[0].equals("--batch")) {
      String line = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8);
      System.exit(runBatch(launcher, (Map<?, ?>) new Json(line).value()) ? 0 : 1);
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    // The agent's fd 3 is a socket, which Java cannot open by path: a FIFO the shell copies to it.
    try (OutputStream done = new FileOutputStream(args[0])) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) continue;
        runBatch(launcher, (Map<?, ?>) new Json(line).value());
        done.write('\n');
        done.flush();
      }
    }
  }

  /** Runs one batch; true when every test it ran passed. */
  private static boolean runBatch(Launcher launcher, Map<?, ?> batch) {
    Map<String, DiscoverySelector> selectors = new LinkedHashMap<>();
    for (Object s : (List<?>) batch.get("selectors")) {
      String selector = (String) s;
      if (selector.startsWith("root:")) {
        for (DiscoverySelector root : DiscoverySelectors.selectClasspathRoots(Set.of(Paths.get(selector.substring(5))))) selectors.put(selector, root);
      } else selectors.put(selector, selector.startsWith("method:") ? DiscoverySelectors.selectMethod(selector.substring(7)) : DiscoverySelectors.selectClass(selector.substring(6)));
    }
    Path reportDir = Paths.get((String) batch.get("report_dir"));
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    List<String> unresolved = new ArrayList<>();
    TestPlan plan = discover(launcher, new ArrayList<>(selectors.values()), null);
    if (plan == null && !selectors.isEmpty()) {
      // One selector JUnit cannot resolve fails the whole discovery: find which, run the others.
      List<DiscoverySelector> good = new ArrayList<>();
      for (Map.Entry<String, DiscoverySelector> e : selectors.entrySet()) {
        String[] why = new String[1];
        if (discover(launcher, List.of(e.getValue()), why) != null) good.add(e.getValue());
        else unresolved.add(e.getKey() + "\t" + why[0].replaceAll("\\s+", " "));
      }
      plan = good.isEmpty() ? null : discover(launcher, good, null);
    }
    try {
      Files.createDirectories(reportDir);
      Files.write(reportDir.resolve("${JUNIT5_UNRESOLVED}"), unresolved, StandardCharsets.UTF_8);
    } catch (IOException e) {
      e.printStackTrace();
    }
    for (String u : unresolved) out.println("[proctor] JUnit cannot select " + u.replace("\t", ": "));
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    if (plan != null) {
      try {
        launcher.execute(plan, new LegacyXmlReportGeneratingListener(reportDir.resolve("junit5-reports"), out), summary);
      } catch (RuntimeException e) {
        e.printStackTrace();
      }
    }
    TestExecutionSummary s = summary.getSummary();
    if (s == null) out.println("no tests ran");
    else {
      s.printFailuresTo(out, 25);
      out.printf("%d tests: %d succeeded, %d failed, %d aborted, %d skipped%n", s.getTestsFoundCount(), s.getTestsSucceededCount(), s.getTestsFailedCount(), s.getTestsAbortedCount(), s.getTestsSkippedCount());
    }
    out.println("[proctor] batch done in the JUnit worker, pid " + ProcessHandle.current().pid());
    out.flush();
    return s != null && s.getTotalFailureCount() == 0;
  }

  /** The test plan of these selectors, or null when JUnit cannot resolve them (why[0] says why) or they hold no test. */
  private static TestPlan discover(Launcher launcher, List<DiscoverySelector> selectors, String[] why) {
    LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request().selectors(selectors);
    // Under a class path root, the classes discovery scans; a filter would also apply to classes selected by name.
    if (selectors.stream().anyMatch(s -> s instanceof ClasspathRootSelector))
      builder.filters(ClassNameFilter.includeClassNamePatterns(ClassNameFilter.STANDARD_INCLUDE_PATTERN));
    LauncherDiscoveryRequest request = builder
        .configurationParameter("junit.platform.output.capture.stdout", "true")
        .configurationParameter("junit.platform.output.capture.stderr", "true")
        .build();
    try {
      TestPlan plan = launcher.discover(request);
      if (plan.containsTests()) return plan;
      if (why != null) why[0] = "it selects no test";
    } catch (RuntimeException e) {
      // JUnit's own reason ("Could not find method …") sits under its wrappers, above a ClassNotFoundException.
      Throwable reason = e;
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c.getClass().getSimpleName().equals("PreconditionViolationException")) reason = c;
        else if (reason == e && c.getCause() == null) reason = c;
      }
      if (why != null) why[0] = String.valueOf(reason.getMessage());
    }
    return null;
  }

  /** Just enough JSON for the agent's batch lines: objects, arrays, strings, numbers, literals. */
  static final class Json {
    private final String text;
    private int at;

    Json(String text) {
      this.text = text;
    }

    Object value() {
      skipSpace();
      char c = text.charAt(at);
      if (c == '{') return object();
      if (c == '[') return array();
      if (c == '"') return string();
      if (text.startsWith("true", at)) { at += 4; return Boolean.TRUE; }
      if (text.startsWith("false", at)) { at += 5; return Boolean.FALSE; }
      if (text.startsWith("null", at)) { at += 4; return null; }
      int start = at;
      while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) at++;
      return Double.valueOf(text.substring(start, at));
    }

    private Map<String, Object> object() {
      Map<String, Object> map = new LinkedHashMap<>();
      at++;
      skipSpace();
      if (text.charAt(at) == '}') { at++; return map; }
      for (;;) {
        skipSpace();
        String key = string();
        skipSpace();
        at++; // ':'
        map.put(key, value());
        skipSpace();
        if (text.charAt(at++) == '}') return map;
      }
    }

    private List<Object> array() {
      List<Object> list = new ArrayList<>();
      at++;
      skipSpace();
      if (text.charAt(at) == ']') { at++; return list; }
      for (;;) {
        list.add(value());
        skipSpace();
        if (text.charAt(at++) == ']') return list;
      }
    }

    private String string() {
      StringBuilder sb = new StringBuilder();
      at++;
      for (char c; (c = text.charAt(at++)) != '"'; ) {
        if (c != '\\') { sb.append(c); continue; }
        char e = text.charAt(at++);
        switch (e) {
          case 'n': sb.append('\n'); break;
          case 't': sb.append('\t'); break;
          case 'r': sb.append('\r'); break;
          case 'b': sb.append('\b'); break;
          case 'f': sb.append('\f'); break;
          case 'u': sb.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; break;
          default: sb.append(e);
        }
      }
      return sb.toString();
    }

    private void skipSpace() {
      while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
    }
  }
}
`;

/** Where the compiled runner is, and the shell command that compiles it unless it is there. */
export interface JUnit5Runner {
  /** The class directory to put on the class path. */
  classes: string;
  /** Idempotent and safe to run by several agents at once: compiles into a temporary directory and renames it. */
  compile: string;
}

/**
 * The runner, compiled once per content and launcher into `<tmpdir>/proctor-junit5-runner-*\/classes`
 * (Java's source launcher would compile it again for every job: 1.9 s here, against 0.2 s to start
 * the compiled one).
 */
export function junit5RunnerSetup(launcher: string): JUnit5Runner {
  const dir = installSource(
    'proctor-junit5-runner',
    'ProctorJUnitWorker.java',
    `${JUNIT5_WORKER_SOURCE}// compiled against ${launcher}\n`,
  );
  const q = shellQuote;
  const classes = join(dir, 'classes');
  const compile = [
    `{ [ -f ${q(join(classes, 'ProctorJUnitWorker.class'))} ] || { t=$(mktemp -d ${q(`${classes}.XXXXXX`)}) &&`,
    `javac -encoding UTF-8 -d "$t" -cp ${q(launcher)} ${q(join(dir, 'ProctorJUnitWorker.java'))} &&`,
    `{ [ -d ${q(classes)} ] && rm -rf "$t" || mv "$t" ${q(classes)}; }; }; }`,
  ].join(' ');
  return { classes, compile };
}

/**
 * The worker's command: the agent's build of the sources (compiled unless one-shot jobs or another
 * worker compiled them already, see junit5-class-cache.ts; the worker used to compile its own copy
 * every time, 13 s of TheAlgorithms/Java's later runs in queue mode), then the runner with the
 * launcher's jar and the classes on the class path. The shell's own directory holds the FIFO and is
 * removed when the worker ends. Building the command writes only content-addressed files: the agent
 * asks for it with every job.
 */
export function junit5WorkerCommand(ctx: AdapterContext): CommandSpec {
  const { launcher, extra, sources } = javaInputs(ctx);
  const runner = junit5RunnerSetup(launcher);
  const q = shellQuote;
  // The agent's build of these sources, shared with one-shot jobs (see junit5-class-cache.ts).
  const build =
    sources.length === 0
      ? null
      : compiledClasses(
          launcher,
          extra,
          sources,
          join(
            installSource('proctor-junit5-sources', 'javac-sources.txt', javacArgumentFile(sources)),
            'javac-sources.txt',
          ),
        );
  const compile = build?.compile ?? null;
  const classPath = [
    q(launcher),
    q(runner.classes),
    ...(build === null ? [] : [q(build.classes)]),
    ...extra.map(q),
  ].join(':');
  return {
    command: [
      `d=$(mktemp -d "\${TMPDIR:-/tmp}/proctor-junit5-worker-XXXXXX") || exit 1`,
      // No exec: the shell stays to remove its directory, on a normal end and on SIGTERM alike.
      `trap 'rm -rf "$d"' EXIT; trap 'exit 143' TERM; trap 'exit 130' INT`,
      // Java cannot open the agent's fd 3 (a socket) by path: it writes its replies to a FIFO, which cat copies to fd 3.
      [
        runner.compile,
        compile,
        `mkfifo "$d/done"`,
        `{ cat "$d/done" >&3 & java -cp ${classPath} ProctorJUnitWorker "$d/done"; }`,
      ]
        .filter((c) => c !== null)
        .join(' && '),
    ].join('\n'),
    args: [],
    cwd: ctx.cwd,
    env: { ...ctx.env },
    shell: true,
  };
}
