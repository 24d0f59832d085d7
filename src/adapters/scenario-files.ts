import { AdapterError, type ScenarioRef } from './types.js';

/** The distinct files of a batch, in order. An empty batch is a caller's mistake, not "run everything". */
export function scenarioFiles(scenarios: readonly ScenarioRef[]): string[] {
  if (scenarios.length === 0) throw new AdapterError('no_tests', 'no scenarios were given to run');
  return [...new Set(scenarios.map((s) => s.file))];
}

/** A file as a command-line argument: a leading "./" keeps a file named like "-x" from reading as an option. */
export function fileArgument(file: string): string {
  return file.startsWith('-') ? `./${file}` : file;
}
