import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CONFIG_FILE = 'proctor.mocharc.cjs';

/**
 * Writes a Mocha config for a run of chosen files and returns its path, for `--config` (with
 * `--no-package`). Mocha adds a config file's `spec` to the files named on the command line, so a
 * run of one file would run the whole suite; this config is the suite's own (`userConfig`, else
 * the `.mocharc.*` Mocha would find, over the `mocha` key of the nearest package.json) without
 * `spec`. It loads them with Mocha's own config loader, from the Mocha installation that runs.
 */
export function writeMochaRunConfig(reportDir: string, mochaDir: string, cwd: string, userConfig: string | undefined): string {
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
delete config.spec;
delete config._;
module.exports = config;
`;
  writeFileSync(path, source);
  return path;
}
