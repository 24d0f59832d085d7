import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarioFiles } from './scenario-files.js';
import type { AdapterContext, CommandSpec, ScenarioRef, TestReport } from './types.js';

const FILE = 'proctor-unselectable.json';

/** A reason a scenario cannot be selected in this run, or undefined when it can. */
export type SelectionProblem = (scenario: ScenarioRef) => string | undefined;

/**
 * The scenarios of a batch that a run can select. The others are recorded in the report
 * directory with their reason, so that `withUnselectable` reports each of them as errored, alone,
 * instead of letting one of them break the framework's command for the whole batch (pytest, for
 * one, refuses a whole run over one path that is not there).
 */
export function selectable(
  ctx: AdapterContext,
  scenarios: readonly ScenarioRef[],
  ...problems: SelectionProblem[]
): ScenarioRef[] {
  // An empty batch is a caller's mistake, not "run everything".
  scenarioFiles(scenarios);
  const chosen: ScenarioRef[] = [];
  const refused: { key: string; why: string }[] = [];
  for (const s of scenarios) {
    const why = problems.map((p) => p(s)).find((w) => w !== undefined);
    if (why === undefined) chosen.push(s);
    else refused.push({ key: s.key, why });
  }
  writeFileSync(join(ctx.reportDir, FILE), JSON.stringify(refused));
  return chosen;
}

/** A problem for scenarios whose file is not in the working directory (renamed or deleted since discovery). */
export function missingFile(ctx: AdapterContext): SelectionProblem {
  const present = new Map<string, boolean>();
  return (s) => {
    if (!present.has(s.file)) present.set(s.file, existsSync(join(ctx.cwd, s.file)));
    return present.get(s.file)
      ? undefined
      : `not run: ${s.file} is not in ${ctx.cwd} on this agent (renamed or deleted since discovery?)`;
  };
}

/**
 * The reports of a batch: `parse` reads the framework's report for the scenarios that were
 * selected, and every scenario `selectable` refused is errored with its reason. When none was
 * selected, no framework ran and `parse` is not called.
 */
export async function withUnselectable(
  ctx: AdapterContext,
  scenarios: readonly ScenarioRef[],
  parse: (chosen: ScenarioRef[]) => Promise<TestReport[]>,
): Promise<TestReport[]> {
  const refused = readRefused(ctx);
  const chosen = scenarios.filter((s) => !refused.has(s.key));
  const errored = scenarios.flatMap((s): TestReport[] => {
    const why = refused.get(s.key);
    return why === undefined
      ? []
      : [{ key: s.key, file: s.file, path: s.path, outcome: 'errored', durationMs: 0, message: why }];
  });
  return chosen.length === 0 ? errored : [...(await parse(chosen)), ...errored];
}

/** The command of a run that has nothing to select: it starts no framework. */
export function nothingToRun(ctx: AdapterContext): CommandSpec {
  return { command: process.execPath, args: ['-e', ''], cwd: ctx.cwd, env: { ...ctx.env } };
}

function readRefused(ctx: AdapterContext): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(join(ctx.reportDir, FILE), 'utf8');
  } catch {
    return new Map();
  }
  return new Map((JSON.parse(text) as { key: string; why: string }[]).map((r) => [r.key, r.why]));
}
