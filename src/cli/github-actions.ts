import { appendFileSync } from 'node:fs';
import type { ResultRow, Run } from '../protocol/api.js';
import { endedText, firstLine } from './follow-format.js';
import { exitReason } from './run-verdict.js';

// Workflow command escaping (actions/toolkit's command.ts): data escapes %, CR, LF; properties also : and ,.
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Whether the CLI runs in a GitHub Actions job. */
export function inGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** `::error file=cart.test.ts,title=cart > totals (node)::expected 81 to be 90`, one per failure. */
export function annotations(failures: ResultRow[]): string[] {
  return failures.map((r) => {
    const title = `${r.scenario.path.length ? r.scenario.path.join(' > ') : r.scenario.key} (${r.environment})`;
    return `::error file=${escapeProperty(r.scenario.file)},title=${escapeProperty(title)}::${escapeData(firstLine(r.message) || r.status)}`;
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown job summary: verdict, a counts table and the failed scenarios. */
export function stepSummary(run: Run, failures: ResultRow[], exitCode: number): string {
  const c = run.counts;
  const lines = [
    `### Proctor run ${run.id} of ${cell(run.plan.name)}: ${run.result ?? run.status}`,
    '',
    `Exit code ${exitCode} (${exitReason(exitCode)})${run.ended_by ? `; ${cell(endedText(run))}` : ''}`,
    '',
    '| total | passed | failed | flaky | skipped | not run | pending |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${c.total} | ${c.passed} | ${c.failed + c.aborted} | ${c.flaky} | ${c.skipped} | ${c.stopped + c.not_executed} | ${c.queued + c.running} |`,
  ];
  if (failures.length) {
    lines.push('', `#### Failed scenarios (${failures.length})`, '');
    for (const r of failures.slice(0, 200))
      lines.push(
        `- \`${cell(r.scenario.key)}\` (${cell(r.environment)}, ${r.status})${r.message ? `: ${cell(firstLine(r.message))}` : ''}`,
      );
    if (failures.length > 200) lines.push(`- … and ${failures.length - 200} more`);
  }
  return `${lines.join('\n')}\n\n`;
}

/** Appends the summary to `$GITHUB_STEP_SUMMARY` when the runner set it. */
export function appendStepSummary(env: NodeJS.ProcessEnv, markdown: string): void {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
}
