import { posix } from 'node:path';
import type { JUnitCase } from '../reports/junit-case.js';
import { relativeFile } from './find-files.js';

/**
 * Tells which of a batch's files a JUnit test case belongs to. JUnit has no standard place for
 * the file, so the evidence is tried from strongest to weakest:
 *
 * 1. the case's `file` attribute (Jest, node:test 24, Proctor's own reporters);
 * 2. its classname, then its suite names, innermost first, read as a path (`checks/a.sh`,
 *    `login.spec.ts`), a module (`tests.test_math`, pytest) or a class (`com.acme.CalcTest`,
 *    Surefire, matched against the end of `src/test/java/com/acme/CalcTest.java`);
 * 3. when the batch has a single file, every case belongs to it.
 */
export class CaseFileMatcher {
  readonly #files: readonly string[];
  readonly #aliases = new Map<string, string | null>();

  constructor(
    private readonly cwd: string,
    files: readonly string[],
  ) {
    this.#files = files;
    for (const file of files) {
      const stem = withoutExtension(file);
      const base = posix.basename(file);
      for (const alias of [file, stem, stem.replaceAll('/', '.'), base, withoutExtension(base)])
        this.#alias(alias, file);
    }
  }

  /** The batch file `c` belongs to, or undefined when nothing ties it to one. */
  match(c: JUnitCase): string | undefined {
    if (c.file !== undefined) {
      const file = this.#byName(relativeFile(this.cwd, c.file));
      if (file !== undefined) return file;
    }
    for (const name of [c.classname, ...[...c.suites].reverse()]) {
      const file = name === '' ? undefined : this.#byName(name.replace(/^\.\//, ''));
      if (file !== undefined) return file;
    }
    return this.#files.length === 1 ? this.#files[0] : undefined;
  }

  #byName(name: string): string | undefined {
    const exact = this.#aliases.get(name);
    if (exact !== undefined) return exact ?? undefined;
    if (name.includes('/'))
      return this.#unique((f) => f.endsWith(`/${name}`) || withoutExtension(f).endsWith(`/${name}`));
    if (!name.includes('.')) return undefined;
    // A dotted name may carry a class or nested class after the module (`tests.test_math.TestAdd`,
    // `com.acme.Outer$Inner`): drop trailing segments until a file's dotted path ends with it.
    let dotted = name.replace(/\$.*$/, '');
    for (; dotted.includes('.'); dotted = dotted.slice(0, dotted.lastIndexOf('.'))) {
      const tail = `.${dotted}`;
      const file = this.#unique((f) => {
        const path = withoutExtension(f).replaceAll('/', '.');
        return path === dotted || path.endsWith(tail);
      });
      if (file !== undefined) return file;
    }
    return undefined;
  }

  #unique(test: (file: string) => boolean): string | undefined {
    const found = this.#files.filter(test);
    return found.length === 1 ? found[0] : undefined;
  }

  // An alias shared by two files (two `index.test.js`) points to neither.
  #alias(alias: string, file: string): void {
    const current = this.#aliases.get(alias);
    this.#aliases.set(alias, current === undefined || current === file ? file : null);
  }
}

function withoutExtension(path: string): string {
  const ext = posix.extname(path);
  return ext === '' ? path : path.slice(0, -ext.length);
}
