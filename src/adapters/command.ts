import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import picomatch from 'picomatch';
import type { JUnitCase } from '../reports/junit-case.js';
import { attachArtifacts, markRunStart } from './artifacts.js';
import { CaseFileMatcher } from './case-file-matcher.js';
import { expandReportDir, fillTemplate } from './command-template.js';
import { fileReport } from './file-report.js';
import { findFiles } from './find-files.js';
import { stringListOption, stringOption } from './options.js';
import { describeExit, readJUnitReport } from './report-errors.js';
import { scenarioFiles } from './scenario-files.js';
import {
  AdapterError,
  scenarioKey,
  type Adapter,
  type AdapterContext,
  type DiscoveredScenario,
  type ProcessOutput,
  type TestReport,
} from './types.js';
import { missingFile, nothingToRun, selectable, withUnselectable } from './unselectable.js';

const DEFAULT_REPORT = '{report_dir}/*.xml';

/**
 * Any command that writes JUnit XML. Scenarios are files (key = the file, relative to cwd).
 *
 * Options:
 * - `command` (required): run by `/bin/sh -c` after filling `{files}` (the batch's files, each a
 *   quoted word), `{filter}` (one word: a regular expression `^(?:a|b)$` matching exactly the
 *   batch's files) and `{report_dir}` (the directory to write reports into).
 * - `discover`: globs relative to cwd (one or a list), or `{ list: "path" }`, a file naming one
 *   scenario file per line (`#` starts a comment).
 * - `report`: globs of the JUnit files to read, relative to cwd or starting with `{report_dir}`;
 *   default `{report_dir}/*.xml`. Reports outside `{report_dir}` are not cleaned between runs.
 * - `artifacts`, `artifacts_max_mb`: files to keep with the results (see attachArtifacts).
 * - `worker`: queue mode, a command run by `/bin/sh -c` once per slot and run, that reads one
 *   batch per line on stdin and writes its report into the batch's `report_dir` (protocol in
 *   agent/framework-worker.ts); `command` is then not used.
 *
 * Test cases are tied to files by `file` attribute, classname or suite name (CaseFileMatcher);
 * a file's outcome folds its cases: failed if any failed, skipped only if all were skipped.
 */
export const commandAdapter: Adapter = {
  framework: 'command',

  discoverCommand(): null {
    return null;
  },

  async parseDiscovery(ctx) {
    const files = await discoverFiles(ctx);
    if (files.length === 0) throw new AdapterError('no_tests', `options.discover found no files in ${ctx.cwd}`);
    return files.map((file): DiscoveredScenario => ({ key: scenarioKey(file, []), file, path: [], tags: [] }));
  },

  workerCommand(ctx) {
    const worker = ctx.options.worker;
    if (worker === undefined || worker === null || worker === false) return null;
    if (typeof worker !== 'string' || worker.trim() === '')
      throw new AdapterError('bad_options', 'options.worker: expected the shell command that starts the worker');
    return { command: worker, args: [], cwd: ctx.cwd, env: { ...ctx.env }, shell: true };
  },

  runCommand(ctx, scenarios) {
    markRunStart(ctx);
    // Files found by globs are files: one that is gone would fail the command for the whole batch.
    // A list may name what the command understands otherwise, and is passed as it is.
    const listed =
      typeof ctx.options.discover === 'object' && ctx.options.discover !== null && !Array.isArray(ctx.options.discover);
    const chosen = listed ? scenarios : selectable(ctx, scenarios, missingFile(ctx));
    if (chosen.length === 0) return nothingToRun(ctx);
    const files = scenarioFiles(chosen);
    const template = stringOption(ctx.options, 'command');
    if (template === undefined)
      throw new AdapterError('bad_options', 'options.command: required for the command adapter');
    const filter = `^(?:${files.map((f) => f.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')})$`;
    return {
      command: fillTemplate(template, { files, filter, reportDir: ctx.reportDir }),
      args: [],
      cwd: ctx.cwd,
      env: { ...ctx.env },
      shell: true,
    };
  },

  async parseRun(ctx, scenarios, output) {
    return withUnselectable(ctx, scenarios, async (chosen) =>
      attachArtifacts(ctx, await commandReports(ctx, scenarioFiles(chosen), output)),
    );
  },
};

/** The reports of these files from the JUnit files the command wrote. */
async function commandReports(ctx: AdapterContext, files: string[], output: ProcessOutput): Promise<TestReport[]> {
  const reports = await reportFiles(ctx);
  if (reports.length === 0) {
    const patterns = stringListOption(ctx.options, 'report', [DEFAULT_REPORT]).join(', ');
    throw new AdapterError(
      'report_missing',
      `the command wrote no report matching ${patterns} (${describeExit(output)})`,
    );
  }
  const matcher = new CaseFileMatcher(ctx.cwd, files);
  const byFile = new Map<string, JUnitCase[]>();
  for (const path of reports) {
    for (const c of await readJUnitReport(path, 'the command', output)) {
      const file = matcher.match(c);
      if (file === undefined) continue;
      const list = byFile.get(file);
      if (list === undefined) byFile.set(file, [c]);
      else list.push(c);
    }
  }
  return files.flatMap((file): TestReport[] => {
    const cases = byFile.get(file);
    return cases === undefined ? [] : [fileReport(file, cases)];
  });
}

async function discoverFiles(ctx: AdapterContext): Promise<string[]> {
  const discover = ctx.options.discover;
  if (typeof discover === 'object' && discover !== null && !Array.isArray(discover)) {
    const list = stringOption(discover as Record<string, unknown>, 'list');
    if (list === undefined)
      throw new AdapterError('bad_options', 'options.discover: expected globs or { list: "path/to/list.txt" }');
    const text = await readFile(join(ctx.cwd, list), 'utf8').catch((error: unknown) => {
      throw new AdapterError('bad_options', `options.discover.list: cannot read ${list}`, { cause: error });
    });
    const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').trim());
    return [...new Set(lines.filter((l) => l !== '').map((l) => l.replace(/^\.\//, '')))];
  }
  if (discover === undefined)
    throw new AdapterError('bad_options', 'options.discover: required for the command adapter');
  return findFiles(ctx.cwd, stringListOption(ctx.options, 'discover', []));
}

/** The report files present after a run, absolute; patterns under `{report_dir}` are searched there. */
async function reportFiles(ctx: AdapterContext): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of stringListOption(ctx.options, 'report', [DEFAULT_REPORT])) {
    const expanded = expandReportDir(pattern, ctx.reportDir);
    const { base, glob } = isAbsolute(expanded) ? splitGlob(expanded) : { base: ctx.cwd, glob: expanded };
    for (const file of await findFiles(base, [glob])) found.add(join(base, file));
  }
  return [...found].sort();
}

function splitGlob(pattern: string): { base: string; glob: string } {
  const scan = picomatch.scan(pattern);
  return scan.isGlob ? { base: scan.base, glob: scan.glob } : { base: dirname(pattern), glob: basename(pattern) };
}
