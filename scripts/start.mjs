// `npm start`: builds when a source changed since the last build (build-if-changed.mjs), then runs
// `proctor serve --demo` in this same process (one Node start, not two). Arguments after `--` go to
// serve: `npm start -- --port 4401`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { fingerprint, stamp, upToDate } from './build-if-changed.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
if (upToDate(root)) process.stdout.write('proctor: build up to date\n');
else {
  process.stdout.write('proctor: building (the sources changed since the last build)…\n');
  const before = fingerprint(root);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  stamp(root, before);
}
process.argv = [process.argv[0], join(root, 'dist', 'main.js'), 'serve', '--demo', ...process.argv.slice(2)];
await import(pathToFileURL(join(root, 'dist', 'main.js')).href);
