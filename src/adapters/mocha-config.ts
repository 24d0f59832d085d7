import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CONFIG_FILE = 'proctor.mocharc.cjs';

/** What a run selects: its files, and the tests of them whose full title matches `grep`. */
export interface MochaSelection {
  spec: string[];
  /** A regular expression's source; undefined runs the whole files (under the suite's own grep, if any). */
  grep: string | undefined;
}

/**
 * Writes a Mocha config for a run of chosen tests and returns its path, for `--config` (with
 * `--no-package`). It is the suite's own config (`userConfig`, else the `.mocharc.*` Mocha would
 * find, over the `mocha` key of the nearest package.json) with the run's `spec` and `grep` in
 * place of the suite's: Mocha adds a config's `spec` to the files named on the command line, and
 * in a file neither a title nor the number of files meets a command line's limits. It loads them
 * with Mocha's own config loader, from the Mocha installation that runs.
 */
export function writeMochaRunConfig(
  reportDir: string,
  mochaDir: string,
  cwd: string,
  userConfig: string | undefined,
  selection: MochaSelection,
): string {
  const path = join(reportDir, CONFIG_FILE);
  const source = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { findConfig, loadConfig } = require(${JSON.stringify(join(mochaDir, 'lib', 'cli', 'config.js'))});
const cwd = ${JSON.stringify(cwd)};
const user = ${JSON.stringify(userConfig ?? null)};
const file = user === null ? findConfig(cwd) : path.resolve(cwd, user);
let pkg = {};
for (let dir = cwd; ; dir = path.dirname(dir)) {
  const manifest = path.join(dir, 'package.json');
  if (fs.existsSync(manifest)) {
    pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')).mocha || {};
    break;
  }
  if (path.dirname(dir) === dir) break;
}
const config = { ...pkg, ...(file ? loadConfig(file) : {}) };
delete config._;
config.spec = ${JSON.stringify(selection.spec)};
const grep = ${JSON.stringify(selection.grep ?? null)};
if (grep !== null) {
  // Mocha refuses grep with fgrep, and invert would run every test but the chosen ones.
  delete config.fgrep;
  delete config.invert;
  config.grep = grep;
}
module.exports = config;
`;
  writeFileSync(path, source);
  return path;
}
