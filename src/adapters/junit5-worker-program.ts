import { join } from 'node:path';
import { shellQuote } from './command-template.js';
import { installSource } from './install-source.js';
import { javaInputs, javacArgumentFile } from './junit5-setup.js';
import type { AdapterContext, CommandSpec } from './types.js';

/**
 * Proctor's queue mode for JUnit 5 (options.worker: true), run with Java's single-file source
 * launcher and the console launcher's jar on the class path, like the discovery program.
 *
 * One JUnit Platform launcher serves every batch. A batch's line names its `report_dir` and its
 * `selectors` (`method:com.x.CalcTest#adds(int, int)` or `class:com.x.CalcTest`, what the one-shot
 * run passes as `--select-method` and `--select-class`); the worker runs them with the tests'
 * stdout and stderr captured, writes the legacy XML reports into `<report_dir>/junit5-reports` as
 * the console launcher's `--reports-dir` does, prints the batch's failures and counts and a
 * closing line with its pid, and says the batch is done with a line on a FIFO that the worker's
 * shell copies to fd 3 (Java cannot open a socket by path). Test classes are loaded once: their
 * static state lives on between batches, as module state does in the other workers.
 */
export const JUNIT5_WORKER_SOURCE = String.raw`import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

/** Proctor's queue mode for JUnit 5; see src/adapters/junit5-worker-program.ts in Proctor. */
public class ProctorJUnitWorker {
  public static void main(String[] args) throws IOException {
    Launcher launcher = LauncherFactory.create();
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

  private static void runBatch(Launcher launcher, Map<?, ?> batch) {
    List<DiscoverySelector> selectors = new ArrayList<>();
    for (Object s : (List<?>) batch.get("selectors")) {
      String selector = (String) s;
      if (selector.startsWith("method:")) selectors.add(DiscoverySelectors.selectMethod(selector.substring(7)));
      else selectors.add(DiscoverySelectors.selectClass(selector.substring(6)));
    }
    LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
        .selectors(selectors)
        .configurationParameter("junit.platform.output.capture.stdout", "true")
        .configurationParameter("junit.platform.output.capture.stderr", "true")
        .build();
    Path reports = Paths.get((String) batch.get("report_dir"), "junit5-reports");
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    try {
      launcher.execute(request, new LegacyXmlReportGeneratingListener(reports, out), summary);
    } catch (RuntimeException e) {
      // A selector naming a class or method that is gone, say: the batch has no report, the job says why.
      e.printStackTrace();
    }
    TestExecutionSummary s = summary.getSummary();
    if (s == null) out.println("no tests ran");
    else {
      s.printFailuresTo(out, 25);
      out.printf("%d tests: %d succeeded, %d failed, %d aborted, %d skipped%n", s.getTestsFoundCount(), s.getTestsSucceededCount(), s.getTestsFailedCount(), s.getTestsAbortedCount(), s.getTestsSkippedCount());
    }
    out.println("[proctor] batch done in the JUnit worker, pid " + ProcessHandle.current().pid());
    out.flush();
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

/**
 * The worker's command: compile the sources once into a build directory of the worker's own, made
 * by its shell (the first job's report directory does not outlive that job) and removed when the
 * worker ends, then run the program with the launcher's jar and the classes on the class path.
 * Building the command writes only content-addressed files: the agent asks for it with every job.
 */
export function junit5WorkerCommand(ctx: AdapterContext): CommandSpec {
  const { launcher, extra, sources } = javaInputs(ctx);
  const program = join(installSource('proctor-junit5-worker', 'ProctorJUnitWorker.java', JUNIT5_WORKER_SOURCE), 'ProctorJUnitWorker.java');
  const q = shellQuote;
  const compile =
    sources.length === 0
      ? null
      : `javac -encoding UTF-8 -d "$d/classes" -cp ${q([launcher, ...extra].join(':'))} @${q(join(installSource('proctor-junit5-sources', 'javac-sources.txt', javacArgumentFile(sources)), 'javac-sources.txt'))}`;
  const classPath = [q(launcher), ...(compile === null ? [] : ['"$d/classes"']), ...extra.map(q)].join(':');
  return {
    command: [
      `d=$(mktemp -d "\${TMPDIR:-/tmp}/proctor-junit5-worker-XXXXXX") || exit 1`,
      // No exec: the shell stays to remove the build directory, on a normal end and on SIGTERM alike.
      `trap 'rm -rf "$d"' EXIT; trap 'exit 143' TERM; trap 'exit 130' INT`,
      // Java cannot open the agent's fd 3 (a socket) by path: it writes its replies to a FIFO, which cat copies to fd 3.
      [compile, `mkfifo "$d/done"`, `{ cat "$d/done" >&3 & java -cp ${classPath} ${q(program)} "$d/done"; }`].filter((c) => c !== null).join(' && '),
    ].join('\n'),
    args: [],
    cwd: ctx.cwd,
    env: { ...ctx.env },
    shell: true,
  };
}
