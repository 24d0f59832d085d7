import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { Problem } from '../../domain/validation.js';
import { isObject, type Shape } from '../answer-shape.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { connectionOptions, type Output } from '../output.js';

interface ApplyOutcome {
  project: string;
  dry_run: boolean;
  changes: { kind: string; name: string; action: string }[];
  warnings?: Problem[];
}

const APPLIED: Shape<ApplyOutcome> = {
  what: 'the outcome of an apply',
  is: (v): v is ApplyOutcome => isObject(v) && typeof v.project === 'string' && Array.isArray(v.changes),
};

/** Whether the server runs on this machine, where the plan file's paths mean the same to its embedded agent. */
function isLocal(serverUrl: string): boolean {
  const host = new URL(serverUrl).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * A file's relative `workdir`s (plans without a `repo`) made absolute against the file's folder,
 * the way a reader of the file means them. Only for a server on this machine: a remote server's
 * agents resolve relative workdirs against their own `--workdir`. Returns the text to send and
 * what it changed.
 */
export function resolveWorkdirs(
  text: string,
  file: string,
): { text: string; resolved: { plan: string; from: string; to: string }[] } {
  const doc = parseDocument(text);
  const plans = doc.errors.length === 0 && isMap(doc.contents) ? doc.get('plans', true) : undefined;
  if (!isMap(plans)) return { text, resolved: [] };
  const resolved: { plan: string; from: string; to: string; range: [number, number] }[] = [];
  for (const pair of plans.items) {
    const plan = pair.value;
    if (!isScalar(pair.key) || !isMap(plan) || plan.has('repo')) continue;
    const workdir = plan.get('workdir', true);
    if (!isScalar(workdir) || typeof workdir.value !== 'string' || isAbsolute(workdir.value) || !workdir.range)
      continue;
    const to = resolve(dirname(resolve(file)), workdir.value);
    resolved.push({
      plan: String(pair.key.value),
      from: workdir.value,
      to,
      range: [workdir.range[0], workdir.range[1]],
    });
  }
  // Each value is replaced where it stands (a JSON string is a YAML scalar), so the server's line
  // numbers are the file's.
  let out = text;
  for (const r of [...resolved].sort((a, b) => b.range[0] - a.range[0]))
    out = out.slice(0, r.range[0]) + JSON.stringify(r.to) + out.slice(r.range[1]);
  return { text: out, resolved: resolved.map(({ range: _r, ...rest }) => rest) };
}

/** `p.yaml:4: plans.unit.timeout: expected a duration like "10m"`, the way editors and CI logs link a line. */
function located(file: string, p: Problem): string {
  return `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.path}: ${p.message}`;
}

export function applyCommand(program: Command, out: Output): void {
  connectionOptions(
    program
      .command('apply')
      .description('Create or update the environments and plans of a proctor.yaml, all or nothing')
      .requiredOption('-f, --file <path>', 'the plan file, or - for standard input')
      .option('--dry-run', 'validate and show what would change, change nothing')
      .addHelpText(
        'after',
        "\nRelative workdirs are relative to the file when the server runs on this machine (its embedded agent sees the same paths); a remote server's agents take them relative to their own --workdir.\n\nExample:\n  proctor apply -f proctor.yaml --dry-run",
      ),
  ).action(async (opts: { file: string; dryRun?: boolean; server?: string; token?: string }) => {
    let text: string;
    try {
      text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const conn = connectionFrom(opts, process.env);
    const name = opts.file === '-' ? '(stdin)' : opts.file;
    const local = opts.file !== '-' && isLocal(conn.url);
    const sent = local ? resolveWorkdirs(text, opts.file) : { text, resolved: [] };
    let res: ApplyOutcome;
    try {
      res = await new ApiClient(conn).post(
        `/api/v1/apply${opts.dryRun ? '?dry_run=true' : ''}`,
        sent.text,
        {},
        APPLIED,
      );
    } catch (e) {
      if (e instanceof CliError && Array.isArray(e.details) && e.details.length > 0) {
        const problems = e.details as Problem[];
        throw new CliError(
          `${name} is invalid (${problems.length === 1 ? 'a problem' : `${problems.length} problems`}); nothing was applied:\n${problems.map((p) => `  ${located(name, p)}`).join('\n')}`,
          e.exitCode,
        );
      }
      throw e;
    }
    for (const w of res.warnings ?? []) out.error(`warning: ${located(name, w)}`);
    out.line(`${res.dry_run ? 'Would apply' : 'Applied'} ${name} to project ${res.project}:`);
    for (const c of res.changes) out.line(`  ${c.kind} ${c.name}: ${c.action}`);
    for (const r of sent.resolved)
      out.line(
        `  plan ${r.plan}: workdir ${r.from} is ${r.to} (relative to ${basename(name)}; the server runs on this machine)`,
      );
  });
}
