import { spawn } from 'node:child_process';
import type { CommandSpec, ProcessOutput } from '../../src/adapters/types.js';

/**
 * Runs a CommandSpec the way the agent does, for adapter tests: the spec's env on top of ours,
 * `/bin/sh -c` for shell commands, output captured whole.
 */
export function runCommand(spec: CommandSpec, timeoutMs = 60_000): Promise<ProcessOutput> {
  const env = { ...cleanEnv(), ...spec.env };
  const child = spec.shell
    ? spawn('/bin/sh', ['-c', spec.command], { cwd: spec.cwd, env })
    : spawn(spec.command, spec.args, { cwd: spec.cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
}

// The Vitest running these tests marks its workers through the environment; a Vitest started
// from a test must not believe it is one of them.
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('VITEST') || name === 'TEST' || name === 'NODE_ENV') delete env[name];
  }
  return env;
}
