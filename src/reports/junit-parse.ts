import { createReadStream } from 'node:fs';
import { SaxesParser } from 'saxes';
import { JUnitFormatError, type JUnitCase } from './junit-case.js';
import { JUnitCollector } from './junit-collector.js';
import { hideControls, revealControls } from './xml-controls.js';
import { XmlGuard } from './xml-guard.js';

export { JUnitFormatError, type JUnitCase } from './junit-case.js';

/**
 * Reads a JUnit XML report as a stream of test cases, one chunk at a time: memory stays flat
 * however large the report is. Understands the dialects of Surefire, pytest, Jest, Vitest,
 * Mocha, Playwright, node:test, Gauge and TestNG.
 *
 * C0 control characters written raw (a test printed NUL into its message) are read as they are,
 * although XML has no place for them.
 *
 * Rejects with JUnitFormatError when the XML is malformed (the message names line and column),
 * carries a DOCTYPE, nests deeper than 64 elements, or is not a JUnit report.
 *
 * @param name Names the source in error messages (a file path).
 * @example
 * for await (const c of streamJUnit(createReadStream(path, 'utf8'), path)) console.log(c.name, c.outcome);
 */
export async function* streamJUnit(chunks: AsyncIterable<string | Buffer>, name = 'report'): AsyncGenerator<JUnitCase> {
  const collector = new JUnitCollector();
  const guard = new XmlGuard();
  const parser = new SaxesParser({ xmlns: false, position: true, fileName: name });
  parser.on('opentag', (tag) => collector.open(tag));
  parser.on('closetag', (tag) => collector.close(tag.name));
  parser.on('text', (text) => collector.text(text));
  parser.on('cdata', (text) => collector.text(text));
  parser.on('doctype', () => {
    throw new Error('DOCTYPE declarations are not allowed in a report');
  });
  parser.on('error', (error) => {
    throw error;
  });
  const feed = (work: () => void): void => {
    try {
      work();
    } catch (error) {
      throw asFormatError(error, name, parser);
    }
  };
  // Controls a test printed into the report (NUL…) are not XML: hidden from the parser, put back in the cases.
  let hidden = false;
  const write = (text: string): void => {
    const safe = hideControls(text);
    hidden ||= safe !== text;
    parser.write(safe);
  };
  const drain = (): JUnitCase[] => (hidden ? collector.drain().map(revealControls) : collector.drain());
  for await (const chunk of chunks) {
    feed(() => write(guard.filter(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))));
    yield* drain();
  }
  feed(() => {
    parser.close();
    collector.end();
  });
  yield* drain();
}

/** Streams the test cases of the JUnit XML file at `path`. */
export function streamJUnitFile(path: string): AsyncGenerator<JUnitCase> {
  return streamJUnit(createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 }), path);
}

/** Reads every test case of the JUnit XML file at `path`. Per-case text is capped, the list is not. */
export async function readJUnitFile(path: string): Promise<JUnitCase[]> {
  const cases: JUnitCase[] = [];
  for await (const c of streamJUnitFile(path)) cases.push(c);
  return cases;
}

function asFormatError(error: unknown, name: string, parser: SaxesParser): JUnitFormatError {
  const message = error instanceof Error ? error.message : String(error);
  // saxes prefixes its own errors with `name:line:column:`; ours get the parser's position.
  const located = message.startsWith(`${name}:`)
    ? message
    : message.startsWith('line ')
      ? `${name}: ${message}`
      : `${name}:${parser.line}:${parser.column}: ${message}`;
  return new JUnitFormatError(`malformed JUnit report: ${located}`, { cause: error });
}
