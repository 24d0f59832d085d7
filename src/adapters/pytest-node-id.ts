import { isExactPath } from '../domain/scenario-key.js';
import type { JUnitCase } from '../reports/junit-case.js';
import { scenarioKey, type DiscoveredScenario, type ScenarioRef } from './types.js';

/**
 * A scenario from a pytest node id: its parts become the key, `tests/test_a.py::TestX::test_y[1]`
 * → file `tests/test_a.py`, path `['TestX', 'test_y[1]']`. A parameter id is never split, even
 * when it contains "::".
 */
export function scenarioOfNodeId(nodeId: string): DiscoveredScenario {
  const bracket = nodeId.indexOf('[');
  const head = bracket === -1 ? nodeId : nodeId.slice(0, bracket);
  const params = bracket === -1 ? '' : nodeId.slice(bracket);
  const parts = head.split('::');
  const file = parts[0] ?? nodeId;
  const path = parts.slice(1);
  if (params !== '' && path.length > 0) path[path.length - 1] += params;
  return { key: scenarioKey(file, path), file, path, tags: [] };
}

/** The node id that selects a scenario: `file::Class::test`, or the file for a file-level one. */
export function nodeIdOf(scenario: ScenarioRef): string {
  return [scenario.file, ...scenario.path].join('::');
}

/**
 * What a run selects for these scenarios: the node id of each whose path is exactly pytest's
 * (see isExactPath), and the whole file of the others (a file-level scenario, an id the server
 * cut or escaped), whose results are filtered after.
 */
export function selectionOf(scenarios: readonly ScenarioRef[]): { node_ids: string[]; files: string[] } {
  const nodeIds = new Set<string>();
  const files = new Set<string>();
  for (const s of scenarios) {
    if (s.path.length > 0 && isExactPath(s.path)) nodeIds.add(nodeIdOf(s));
    else files.add(s.file);
  }
  return { node_ids: [...nodeIds], files: [...files] };
}

/**
 * The key of a test case of pytest's JUnit report (`junit_family=xunit1`, which names the
 * file). pytest builds `classname` from the node id: the file's path with "/" → "." and without
 * ".py", then the classes; `name` is the last part. A case with an empty classname is a file
 * that failed to collect: its key is the file. Undefined when the case names no file.
 */
export function keyOfCase(c: JUnitCase): { key: string; file: string; path: string[] } | undefined {
  if (c.file === undefined) return undefined;
  const file = c.file.replace(/^\.\//, '');
  if (c.classname === '') return { key: file, file, path: [] };
  const module = file.replace(/\.py$/, '').replaceAll('/', '.');
  const classes = c.classname.startsWith(`${module}.`) ? c.classname.slice(module.length + 1).split('.') : [];
  const path = [...classes, c.name];
  return { key: scenarioKey(file, path), file, path };
}

/**
 * The node ids `pytest --collect-only -q` printed, and the files it could not collect (its
 * `ERROR path` summary lines), from its stdout.
 */
export function parseCollection(stdout: string): { nodeIds: string[]; brokenFiles: string[] } {
  const nodeIds: string[] = [];
  const brokenFiles: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const error = /^ERROR (\S+?)(?: - .*)?$/.exec(line);
    if (error?.[1] !== undefined && !error[1].includes('::')) brokenFiles.push(error[1]);
    else if (/^[^\s=_!].*::/.test(line)) nodeIds.push(line.trim());
  }
  return { nodeIds, brokenFiles: [...new Set(brokenFiles)] };
}

/**
 * Text as pytest writes it into its JUnit report (`bin_xml_escape`): characters it holds unfit for
 * XML are written `#x07`, `#x1F389`. Its pattern, `[^\u0009\u000a\u000d\u0020-\u007e\u0080-\ud7ff
 * \ue000-\ufffd\u10000-\u10ffff]`, reads `\u10000` as U+1000 and "0", so DEL stays and everything
 * past U+FFFF (emoji) is escaped: a test's name and file in the report are this of its node id's.
 */
export function pytestXmlText(text: string): string {
  return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[^\t\n\r\u0020-\ud7ff\ue000-\ufffd]/g, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return `#x${code
      .toString(16)
      .toUpperCase()
      .padStart(code <= 0xff ? 2 : 4, '0')}`;
  });
}
