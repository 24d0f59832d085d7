import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JUnitCase } from '../reports/junit-case.js';
import { fileReport } from './file-report.js';
import { legacyPath, scenarioOfUniqueId, simpleSignature } from './junit5-unique-id.js';
import { readJUnitReport } from './report-errors.js';
import { scenarioKey, type ProcessOutput, type ScenarioRef, type TestReport } from './types.js';

// The legacy XML report opens each test's system-out with these lines before what the test printed.
const PREAMBLE = /^\s*unique-id: (.*)\r?\n(?:display-name: .*(?:\r?\n|$))?/;

/** The legacy XML reports (`TEST-*.xml`) the console launcher wrote into `dir`, read whole. */
export async function readLegacyReports(dir: string, output: ProcessOutput): Promise<JUnitCase[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^TEST-.*\.xml$/.test(n)).sort();
  const cases: JUnitCase[] = [];
  // readJUnitReport names a missing report itself; an empty directory is a missing report too.
  for (const name of names.length === 0 ? ['TEST-junit-jupiter.xml'] : names) {
    cases.push(...(await readJUnitReport(join(dir, name), 'the JUnit console launcher', output)));
  }
  return cases;
}

/** The unique id a case's system-out opens with (the legacy report's preamble), if any. */
export function caseUniqueId(c: JUnitCase): string | undefined {
  return PREAMBLE.exec(c.stdout ?? '')?.[1]?.trim();
}

/**
 * The reports of the requested scenarios from the launcher's test cases. A case is tied to its
 * scenario by the unique id in its system-out (that line is then dropped from its output), else
 * by classname and name with simple parameter types. Invocations of one parameterized, repeated
 * or factory method fold into its scenario: the worse outcome stands.
 */
export function junit5Reports(scenarios: readonly ScenarioRef[], cases: readonly JUnitCase[]): TestReport[] {
  const byKey = new Map<string, JUnitCase[]>();
  const byLegacy = new Map<string, JUnitCase[]>();
  for (const c of cases) {
    const preamble = PREAMBLE.exec(c.stdout ?? '');
    const rest = preamble === null ? c.stdout : c.stdout?.slice(preamble[0].length).trim();
    if (rest) c.stdout = rest;
    else delete c.stdout;
    // The legacy report's only suite is the engine ("JUnit Jupiter"): it would only prefix messages.
    c.suites = [];
    const scenario = preamble?.[1] === undefined ? undefined : scenarioOfUniqueId(preamble[1].trim());
    if (scenario !== undefined) add(byKey, scenario.key, c);
    const legacy = legacyPath(c.classname, c.name);
    add(byLegacy, scenarioKey(legacy.file, legacy.path), c);
  }
  return scenarios.flatMap((s): TestReport[] => {
    const found =
      s.path.length === 0 || !s.path.at(-1)?.includes('(')
        ? cases.filter((c) => legacyPath(c.classname, c.name).file === s.file)
        : (byKey.get(s.key) ??
          byLegacy.get(scenarioKey(s.file, [...s.path.slice(0, -1), simpleSignature(s.path.at(-1) ?? '')])) ??
          []);
    return found.length === 0 ? [] : [{ ...fileReport(s.file, found), key: s.key, path: s.path }];
  });
}

function add(map: Map<string, JUnitCase[]>, key: string, c: JUnitCase): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [c]);
  else list.push(c);
}
