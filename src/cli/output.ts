import type { Command } from 'commander';

/** Where commands write; tests pass their own to read what a command printed. */
export interface Output {
  line(text: string): void;
  error(text: string): void;
}

export const stdio: Output = {
  line: (t) => process.stdout.write(`${t}\n`),
  error: (t) => process.stderr.write(`${t}\n`),
};

/** Adds the flags every command that talks to a server has. */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .option(
      '--server <url>',
      'Proctor server URL (default: $PROCTOR_URL, the proctor login profile, or http://127.0.0.1:4400)',
    )
    .option('--token <key>', 'API key (default: $PROCTOR_TOKEN or the proctor login profile)');
}

/** Pads columns for a plain-text table. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

/** A repeatable, comma-separated option (`--project a,b --project c`) as one list. */
export const collect = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
