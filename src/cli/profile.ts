import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error.js';

/** What `proctor login` saves: the server and key the CLI uses when no flag or variable names one. */
export interface Profile {
  server: string;
  token: string;
}

/** `$XDG_CONFIG_HOME/proctor/config.json`, else `~/.config/proctor/config.json`. */
export function profilePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'proctor', 'config.json');
}

/** The saved profile, or null when there is none; a file that is not one is an error naming the file. */
export function readProfile(env: NodeJS.ProcessEnv): Profile | null {
  const file = profilePath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const p = JSON.parse(text) as Partial<Profile>;
    if (typeof p.server === 'string' && typeof p.token === 'string') return { server: p.server, token: p.token };
  } catch {
    // reported below
  }
  throw new CliError(`${file} is not a Proctor profile ({"server", "token"}); run proctor login again or delete it`);
}

/** Writes the profile readable by its owner only (it holds a key). */
export function writeProfile(env: NodeJS.ProcessEnv, profile: Profile): string {
  const file = profilePath(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
