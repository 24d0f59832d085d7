import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellQuote } from './command-template.js';

const PREFIX = 'proctor-junit5-classes-';
const COMPLETE = '.proctor-complete';
// A build no job has used for this long is removed when another is made.
const UNUSED_MS = 7 * 24 * 3600_000;

/**
 * Where the classes compiled from these sources live on this agent, and the shell command that
 * compiles them unless they are there. Jobs that compile the same sources against the same class
 * path share one build: javac took 15 s of each job of a 1,500-file suite here, which a run with
 * a process per job paid once per job. The build's name is a SHA-256 of the launcher, the class
 * path (each entry's path, and a file's size and modification time) and every source's path and
 * content, so an edited source makes a new build; javac writes into a temporary directory that is
 * renamed once it succeeded, so no job sees half a build and a failed one leaves nothing.
 *
 * @example compiledClasses('/usr/share/java/junit-platform-console-standalone.jar', [], ['/s/CalcTest.java'], '/r/javac-sources.txt')
 * // { classes: '/tmp/proctor-junit5-classes-3f…', compile: "{ [ -f … ] || { t=$(mktemp -d …) && …; }; }" }
 */
export function compiledClasses(
  launcher: string,
  extra: readonly string[],
  sources: readonly string[],
  argFile: string,
): { classes: string; compile: string } {
  const hash = createHash('sha256').update(`${launcher}\n`);
  for (const entry of extra) {
    const s = statOf(entry);
    hash.update(`cp ${entry} ${s?.isFile() ? `${s.size} ${s.mtimeMs}` : ''}\n`);
  }
  for (const source of sources) hash.update(`src ${source}\n`).update(readFileSync(source)).update('\n');
  const classes = join(tmpdir(), `${PREFIX}${hash.digest('hex').slice(0, 24)}`);
  forgetUnused(classes);
  const q = shellQuote;
  const javac = [
    'javac',
    '-encoding',
    'UTF-8',
    '-d',
    '"$t"',
    '-cp',
    q([launcher, ...extra].join(':')),
    q(`@${argFile}`),
  ].join(' ');
  const compile = [
    `{ [ -f ${q(join(classes, COMPLETE))} ] || { t=$(mktemp -d ${q(`${classes}.XXXXXX`)}) &&`,
    `{ ${javac} && touch "$t/${COMPLETE}" && { [ -d ${q(classes)} ] && rm -rf "$t" || mv "$t" ${q(classes)}; } || { rm -rf "$t"; false; }; }; }; }`,
  ].join(' ');
  return { classes, compile };
}

/** Marks `used` as used now and removes the builds no job has used for a week. */
function forgetUnused(used: string): void {
  const now = Date.now();
  try {
    utimesSync(used, now / 1000, now / 1000);
  } catch {
    // Not built yet.
  }
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(tmpdir(), name);
    const s = statOf(path);
    if (path !== used && s !== undefined && now - s.mtimeMs > UNUSED_MS) rmSync(path, { recursive: true, force: true });
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
