import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ApiClient } from './api-client.js';
import { CliError } from './cli-error.js';

/** Which report the server renders at `/api/v1/runs/{id}/{format}`, and where to write it. */
export interface ReportFile {
  format: 'junit' | 'ctrf';
  path: string;
}

/**
 * Downloads the run's JUnit XML or CTRF JSON (the server renders them, so the CLI's file and the
 * dashboard's download are the same document) and writes each to its file.
 */
export async function writeReportFiles(
  api: ApiClient,
  runId: number,
  files: ReportFile[],
  retry: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) {
    const { text } = await retry(() => api.raw('GET', `/api/v1/runs/${runId}/${f.format}`));
    const path = resolve(f.path);
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    } catch (e) {
      throw new CliError(`--${f.format} ${f.path}: cannot write (${(e as Error).message})`);
    }
    written.push(path);
  }
  return written;
}
