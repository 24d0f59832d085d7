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

// Linux allows 2 MiB of arguments and environment, macOS 1 MiB, Windows 32,767 characters of command line.
const FILE_ARGUMENTS_BUDGET = process.platform === 'win32' ? 16_000 : 200_000;

/**
 * The files as command-line arguments (see {@link fileArgument}), or undefined when so many would
 * not fit a command line: the caller then runs without naming files and keeps the chosen results.
 */
export function fileArguments(files: readonly string[]): string[] | undefined {
  const args = files.map(fileArgument);
  return args.reduce((n, a) => n + a.length + 1, 0) > FILE_ARGUMENTS_BUDGET ? undefined : args;
}
