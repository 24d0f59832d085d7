import type { ResultRow, Run } from '../protocol/api.js';

// ANSI escapes (CSI sequences) and other control characters; a framework's colored message must not
// reach a CI log or break the terminal view.
const CONTROL = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f]/g;

// Only the escapes (color, cursor): a log's newlines and tabs stay.
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;

/** Text without ANSI escape sequences (colors, cursor moves, terminal titles). */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}

/** The first non-empty line of a message, without control characters. */
export function firstLine(text: string | null): string {
  const line =
    (text ?? '')
      .replace(CONTROL, '')
      .split('\n')
      .find((l) => l.trim() !== '') ?? '';
  return line.replace(/\r/g, '').trim();
}

/** `FAILED cart.test.ts > cart > totals (node): expected 81 to be 90`. */
export function failureLine(r: ResultRow): string {
  const message = firstLine(r.message);
  return `${r.status.toUpperCase()} ${r.scenario.key} (${r.environment})${message ? `: ${message}` : ''}`;
}

/** Why a run ended early, `ended by system: workdir "app" does not exist …`; '' when it ran to its end. */
export function endedText(r: Run): string {
  if (!r.ended_by) return '';
  const reason = (r.end_reason ?? '').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return `ended by ${r.ended_by}${reason ? `: ${reason}` : ''}`;
}

/** `12:01:02`, local time. */
export function clock(at = new Date()): string {
  return at.toTimeString().slice(0, 8);
}

/** Scenarios with a final result. */
export function doneCount(r: Run): number {
  return r.counts.total - r.counts.queued - r.counts.running;
}

/** `5/9 done: 4 passed, 1 failed, 0 flaky, 2 running, 2 queued`. */
export function progressText(r: Run): string {
  const c = r.counts;
  return `${doneCount(r)}/${c.total} done: ${c.passed} passed, ${c.failed + c.aborted} failed, ${c.flaky} flaky, ${c.skipped} skipped, ${c.running} running, ${c.queued} queued`;
}

/** `1m 05s` style for whole seconds; the live view ticks every second. */
export function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Breaks text into lines of at most `width` columns, between words where it can: a reason is read whole. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  return line ? [...lines, line] : lines;
}

/** Fits a line into `width` columns, marking the cut. */
export function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}
