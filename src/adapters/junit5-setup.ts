import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compiledClasses } from './junit5-class-cache.js';
import { stringListOption } from './options.js';
import { AdapterError, type AdapterContext } from './types.js';

/** Where JUnit's console launcher (standalone jar) is looked for when the plan names none. */
export const DEFAULT_LAUNCHERS: readonly string[] = [
  '/usr/share/java/junit-platform-console-standalone.jar',
  '/usr/share/junit5/junit-platform-console-standalone.jar',
  '/usr/local/share/java/junit-platform-console-standalone.jar',
  '/opt/junit/junit-platform-console-standalone.jar',
];

/** How to build and reach a JUnit 5 suite on this agent. */
export interface JavaSetup {
  /** The console launcher's standalone jar. */
  launcher: string;
  /** Class path entries of the tests: the compiled sources first, then the plan's `classpath`. */
  classPath: string[];
  /** Directories the discovery scans for test classes. */
  scanRoots: string[];
  /** The shell command that compiles the sources (`javac … @list`), or null when there are none. */
  compile: string | null;
}

/** The JUnit 5 options, read: what to compile and what to put on the class path. */
export interface JavaInputs {
  /** The console launcher's standalone jar. */
  launcher: string;
  /** The plan's `classpath` entries, absolute. */
  extra: string[];
  /** The `.java` files to compile, absolute, sorted. */
  sources: string[];
}

/**
 * Reads the JUnit 5 options: `launcher` (a jar path or a list tried in order, relative to cwd;
 * default DEFAULT_LAUNCHERS), `sources` (directories of `.java` files relative to cwd; default
 * `src`, none when only `classpath` is given) and `classpath` (jars or class directories the tests
 * need, or prebuilt test classes, relative to cwd). Writes nothing.
 */
export function javaInputs(ctx: AdapterContext): JavaInputs {
  const launchers = stringListOption(ctx.options, 'launcher', DEFAULT_LAUNCHERS).map((p) => resolve(ctx.cwd, p));
  const launcher = launchers.find((p) => existsSync(p));
  if (launcher === undefined) {
    throw new AdapterError(
      'framework_missing',
      `JUnit's console launcher is not at ${launchers.join(' or ')}: apt-get install junit5, or set options.launcher to junit-platform-console-standalone.jar`,
    );
  }
  const extra = stringListOption(ctx.options, 'classpath', []).map((p) => resolve(ctx.cwd, p));
  const sourceDirs = stringListOption(ctx.options, 'sources', ctx.options.classpath === undefined ? ['src'] : []).map(
    (p) => resolve(ctx.cwd, p),
  );
  const sources = sourceDirs.flatMap(javaFiles);
  if (sources.length === 0 && extra.length === 0) {
    throw new AdapterError(
      'no_tests',
      `no .java files under ${sourceDirs.join(', ') || ctx.cwd} and no options.classpath`,
    );
  }
  return { launcher, extra, sources };
}

/** javac's argument file for `sources`: one quoted path a line, so spaces and backslashes survive. */
export function javacArgumentFile(sources: readonly string[]): string {
  return sources.map((s) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join('\n');
}

/**
 * Prepares a job's compilation (see {@link javaInputs} for the options): the sources are compiled
 * once per content into a build the agent's jobs share (see compiledClasses), with the
 * `javac-sources.txt` this writes into the report directory.
 */
export function javaSetup(ctx: AdapterContext): JavaSetup {
  const { launcher, extra, sources } = javaInputs(ctx);
  const scanRoots = extra.filter((p) => isDirectory(p));
  if (sources.length === 0) return { launcher, classPath: extra, scanRoots, compile: null };
  const argFile = join(ctx.reportDir, 'javac-sources.txt');
  writeFileSync(argFile, javacArgumentFile(sources));
  const { classes, compile } = compiledClasses(launcher, extra, sources, argFile);
  return { launcher, classPath: [classes, ...extra], scanRoots: [classes, ...scanRoots], compile };
}

function javaFiles(dir: string): string[] {
  if (!isDirectory(dir)) return [];
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.java'))
    .map((f) => join(dir, f))
    .sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
