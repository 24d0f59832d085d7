import type { TestOutcome } from '../protocol/statuses.js';
import { CappedText, capText } from './capped-text.js';
import type { JUnitCase } from './junit-case.js';

/** Deeper nesting than this is refused: no real report comes close, a hostile one may. */
export const MAX_DEPTH = 64;

export interface XmlTag {
  name: string;
  attributes: Record<string, string>;
}

interface CaseDraft {
  suites: string[];
  classname: string;
  name: string;
  file: string | undefined;
  time: number;
  outcome: TestOutcome;
  message: string | undefined;
  detail: CappedText | null;
  stdout: CappedText;
  stderr: CappedText;
  retries: number;
  depth: number;
}

/**
 * Turns the SAX events of one JUnit report into `JUnitCase` records. Keeps only the open suites,
 * the current test case and the finished cases not yet drained, so memory does not grow with
 * the size of the report.
 */
export class JUnitCollector {
  #finished: JUnitCase[] = [];
  #depth = 0;
  #sawRoot = false;
  #suites: { name: string; file: string | undefined }[] = [];
  #case: CaseDraft | null = null;
  #capture: CappedText | null = null;
  #captureDepth = 0;

  open(tag: XmlTag): void {
    this.#depth++;
    if (this.#depth > MAX_DEPTH) throw new Error(`elements nested deeper than ${MAX_DEPTH} levels`);
    const name = localName(tag.name);
    const attrs = tag.attributes;
    if (!this.#sawRoot) {
      if (name !== 'testsuites' && name !== 'testsuite') {
        throw new Error(`not a JUnit report: the root element is <${tag.name}>, expected <testsuites> or <testsuite>`);
      }
      this.#sawRoot = true;
    }
    if (this.#case !== null) {
      this.#openInCase(this.#case, name, attrs);
    } else if (name === 'testsuite') {
      this.#suites.push({ name: attrs.name ?? '', file: attrs.file ?? attrs.filepath });
    } else if (name === 'testcase') {
      this.#case = this.#draft(attrs);
    }
  }

  close(tagName: string): void {
    if (this.#capture !== null && this.#depth === this.#captureDepth) this.#capture = null;
    if (this.#case !== null && this.#depth === this.#case.depth) {
      this.#finished.push(finish(this.#case));
      this.#case = null;
    } else if (this.#case === null && localName(tagName) === 'testsuite') {
      this.#suites.pop();
    }
    this.#depth--;
  }

  text(text: string): void {
    this.#capture?.append(text);
  }

  /** Called at the end of the document. */
  end(): void {
    if (!this.#sawRoot) throw new Error('not a JUnit report: the document has no root element');
  }

  /** Hands out the cases finished since the last call. */
  drain(): JUnitCase[] {
    const cases = this.#finished;
    this.#finished = [];
    return cases;
  }

  #draft(attrs: Record<string, string>): CaseDraft {
    const suiteFile = this.#suites.findLast((s) => s.file !== undefined)?.file;
    return {
      suites: this.#suites.map((s) => s.name),
      classname: attrs.classname ?? attrs.class ?? '',
      name: attrs.name ?? '',
      file: attrs.file ?? attrs.filepath ?? suiteFile,
      time: parseSeconds(attrs.time),
      outcome: 'passed',
      message: undefined,
      detail: null,
      stdout: new CappedText(),
      stderr: new CappedText(),
      retries: 0,
      depth: this.#depth,
    };
  }

  #openInCase(draft: CaseDraft, name: string, attrs: Record<string, string>): void {
    switch (name) {
      case 'failure':
      case 'error':
        if (draft.outcome === 'failed' || draft.outcome === 'errored') return;
        draft.outcome = name === 'failure' ? 'failed' : 'errored';
        this.#detail(draft, attrs.message);
        return;
      case 'skipped':
        if (draft.outcome !== 'passed') return;
        draft.outcome = 'skipped';
        // node:test writes message="true" on every skipped test; it says nothing.
        this.#detail(draft, attrs.message === 'true' ? undefined : attrs.message);
        return;
      case 'flakyFailure':
      case 'flakyError':
      case 'rerunFailure':
      case 'rerunError':
        draft.retries++;
        return;
      case 'system-out':
        this.#startCapture(draft.stdout);
        return;
      case 'system-err':
        this.#startCapture(draft.stderr);
    }
  }

  #detail(draft: CaseDraft, message: string | undefined): void {
    draft.message = message === undefined || message === '' ? undefined : capText(message);
    draft.detail = new CappedText();
    this.#startCapture(draft.detail);
  }

  #startCapture(target: CappedText): void {
    if (this.#capture !== null) return;
    this.#capture = target;
    this.#captureDepth = this.#depth;
  }
}

function finish(draft: CaseDraft): JUnitCase {
  const stack = draft.detail?.toString().trim();
  const message = draft.message ?? firstLine(stack);
  const result: JUnitCase = {
    suites: draft.suites,
    classname: draft.classname,
    name: draft.name,
    time: draft.time,
    outcome: draft.outcome,
  };
  if (draft.file !== undefined) result.file = draft.file;
  if (message !== undefined) result.message = message;
  if (stack) result.stack = stack;
  if (!draft.stdout.isEmpty) result.stdout = draft.stdout.toString();
  if (!draft.stderr.isEmpty) result.stderr = draft.stderr.toString();
  if (draft.retries > 0) result.retries = draft.retries;
  return result;
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n', 1)[0]?.trim();
  return line ? line : undefined;
}

/** Seconds from a `time` attribute; some writers add thousands separators (`1,234.5`). */
function parseSeconds(value: string | undefined): number {
  const seconds = Number.parseFloat((value ?? '').replaceAll(',', ''));
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 0;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}
