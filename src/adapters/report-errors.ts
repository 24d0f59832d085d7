import { stat } from 'node:fs/promises';
import { readJUnitFile, JUnitFormatError, type JUnitCase } from '../reports/junit-parse.js';
import { AdapterError, type ProcessOutput } from './types.js';

/** How the process ended, with the tail of its stderr: what a user needs when a report is missing. */
export function describeExit(output: ProcessOutput | null): string {
  if (output === null) return 'no process ran';
  // Neither an exit code nor a signal: a queue-mode worker that said the batch was done, still running.
  const how =
    output.signal !== null
      ? `killed by ${output.signal}`
      : output.exitCode !== null
        ? `exit code ${output.exitCode}`
        : 'the worker reported the batch done';
  const tail = output.stderr.trim().slice(-500);
  return tail === '' ? how : `${how}; stderr ends with: ${tail}`;
}

/** AdapterError('report_missing') unless `path` is a file. */
export async function requireReport(path: string, tool: string, output: ProcessOutput | null): Promise<void> {
  const isFile = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) throw new AdapterError('report_missing', `${tool} wrote no report at ${path} (${describeExit(output)})`);
}

/**
 * Reads a JUnit report the framework wrote; a missing file is AdapterError('report_missing'),
 * one the reader refuses is AdapterError('report_malformed').
 */
export async function readJUnitReport(path: string, tool: string, output: ProcessOutput | null): Promise<JUnitCase[]> {
  await requireReport(path, tool, output);
  try {
    return await readJUnitFile(path);
  } catch (error) {
    if (error instanceof JUnitFormatError) {
      throw new AdapterError('report_malformed', `${tool} wrote a report Proctor cannot read: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
