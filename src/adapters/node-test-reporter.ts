/** The parts of node:test's reporter events this reporter reads (stable from Node 20 to 24). */
export interface NodeTestEvent {
  type: string;
  data?: {
    name?: string;
    nesting?: number;
    file?: string;
    message?: string;
    skip?: boolean | string;
    todo?: boolean | string;
    details?: {
      duration_ms?: number;
      type?: string;
      error?: { message?: string; stack?: string; failureType?: string; cause?: unknown };
    };
  };
}

type EventData = NonNullable<NodeTestEvent['data']>;
type OpenTest = { name: string; children: boolean };

/**
 * A node:test reporter that writes JUnit XML with a `file` attribute on every testcase.
 *
 * Node's own junit reporter names no file before Node 24, and with several files in one run its
 * test cases cannot be told apart; this one can, on 20, 22 and 24 alike. Each testcase is wrapped
 * in `<testsuite>` elements for its describe blocks (repeated per case, so nothing is buffered).
 * A test with subtests is reported through its subtests, unless it failed for a reason of its own
 * (a hook); a file that failed to load is reported as an `<error>` with the file's stderr.
 *
 * It runs inside node's test runner, loaded from a `data:` URL made of the source text of the
 * functions of this file (see `nodeTestReporterUrl`): they must stay self-contained, calling
 * only each other and globals, never an import.
 */
export async function* proctorJUnitReporter(source: AsyncIterable<NodeTestEvent>): AsyncGenerator<string> {
  const open = new Map<string, OpenTest[]>();
  const stderr = new Map<string, string>();
  yield '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n';
  for await (const event of source) {
    const data = event.data ?? {};
    const file = data.file ?? '';
    const stack = open.get(file) ?? [];
    open.set(file, stack);
    if (event.type === 'test:stderr') {
      // Kept for a file that fails to load: its stderr is all there is to say why.
      const seen = stderr.get(file) ?? '';
      if (seen.length < 16_384) stderr.set(file, (seen + String(data.message ?? '')).slice(0, 16_384));
    } else if (event.type === 'test:start') {
      const nesting = data.nesting ?? 0;
      stack.length = nesting;
      stack.push({ name: String(data.name ?? ''), children: false });
      const parent = stack[nesting - 1];
      if (parent !== undefined) parent.children = true;
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      // Node 22+ names the file of stderr events relative to the cwd, of test events absolute.
      const stderrOf = (): string =>
        [...stderr].find(([name]) => name === file || file.endsWith(`/${name.replace(/^\.\//, '')}`))?.[1] ?? '';
      const xml = reporterTestcase(event.type === 'test:fail', data, stack, stderrOf);
      if (xml !== '') yield xml;
    }
  }
  yield '</testsuites>\n';
}

/** The XML of one finished test, or '' when it is not reported on its own (a suite, a parent). */
function reporterTestcase(failed: boolean, data: EventData, stack: OpenTest[], stderrOf: () => string): string {
  const nesting = data.nesting ?? 0;
  const node = stack[nesting];
  const ancestors = stack.slice(0, nesting).map((n) => n.name);
  stack.length = nesting;
  const name = String(data.name ?? '');
  const file = data.file ?? '';
  const error = failed ? data.details?.error : undefined;
  const ownFailure = error !== undefined && error.failureType !== 'subtestsFailed';
  const hasChildren = node !== undefined && node.name === name && node.children;
  if ((hasChildren || data.details?.type === 'suite') && !ownFailure) return '';
  const isFile =
    nesting === 0 && file !== '' && (name === file || file.endsWith(`/${name}`) || file.endsWith(`\\${name}`));
  let body = '';
  if (error !== undefined) {
    body = reporterFailure(error, isFile ? stderrOf() : undefined);
  } else if (data.skip !== undefined && data.skip !== false) {
    body = typeof data.skip === 'string' ? `<skipped message="${reporterEscape(data.skip, true)}"/>` : '<skipped/>';
  } else if (data.todo !== undefined && data.todo !== false) {
    const reason = typeof data.todo === 'string' ? `todo: ${data.todo}` : 'todo';
    body = `<skipped message="${reporterEscape(reason, true)}"/>`;
  }
  const seconds = ((data.details?.duration_ms ?? 0) / 1000).toFixed(6);
  const classname = ancestors.join('.') || 'test';
  const attributes = `name="${reporterEscape(name, true)}" classname="${reporterEscape(classname, true)}" file="${reporterEscape(file, true)}" time="${seconds}"`;
  const testcase = body === '' ? `<testcase ${attributes}/>` : `<testcase ${attributes}>${body}</testcase>`;
  const opening = ancestors.map((a) => `<testsuite name="${reporterEscape(a, true)}">`).join('');
  return `${opening}${testcase}${'</testsuite>'.repeat(ancestors.length)}\n`;
}

/** `<failure>` for a failing test, `<error>` when something around it broke (a hook, the file itself). */
function reporterFailure(
  error: NonNullable<NonNullable<EventData['details']>['error']>,
  fileStderr: string | undefined,
): string {
  // node wraps what the test threw in an ERR_TEST_FAILURE whose cause is the real error.
  const cause = error.cause as { message?: unknown; stack?: unknown } | null | undefined;
  const causeIsError = typeof cause === 'object' && cause !== null && typeof cause.message === 'string';
  const message = causeIsError ? String(cause.message) : String(error.message ?? 'failed');
  const trace = causeIsError && typeof cause.stack === 'string' ? cause.stack : String(error.stack ?? message);
  const broken = ['hookFailed', 'cancelledByParent', 'testAborted'].includes(String(error.failureType));
  const element = fileStderr !== undefined || broken ? 'error' : 'failure';
  const output = fileStderr ? `<system-err>${reporterEscape(fileStderr, false)}</system-err>` : '';
  return `<${element} message="${reporterEscape(message, true)}" type="${reporterEscape(error.failureType, true)}">${reporterEscape(trace, false)}</${element}>${output}`;
}

/** XML 1.0 escaping; characters XML cannot carry are written as `#x1B`. */
function reporterEscape(value: unknown, attribute: boolean): string {
  const text = String(value ?? '')
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g,
      (c) => `#x${c.charCodeAt(0).toString(16).toUpperCase()}`,
    )
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
  return attribute ? text.replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : text;
}

/** A `data:` URL of an ES module whose default export is `proctorJUnitReporter`, for `--test-reporter`. */
export function nodeTestReporterUrl(): string {
  const helpers = [reporterTestcase, reporterFailure, reporterEscape].map((f) => f.toString()).join('\n');
  return `data:text/javascript,${encodeURIComponent(`${helpers}\nexport default ${proctorJUnitReporter.toString()}`)}`;
}
