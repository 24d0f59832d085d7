import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installSource } from './install-source.js';

/** The module name pytest loads the plugin by (`-p proctor_pytest_select`). */
export const PYTEST_SELECT_PLUGIN_MODULE = 'proctor_pytest_select';

/**
 * The pytest plugin that selects a one-shot run's tests: `--proctor-select=<file>` names a JSON
 * file `{"node_ids": [...], "files": [...]}`, and of the items pytest collected from the files on
 * the command line it keeps those whose node id is listed and every item under a listed file,
 * deselecting the rest as `-k` would. A node id never has to survive pytest's own command-line
 * parser, which splits `test_x[a::b]` at its "::" and refuses the whole run over one id it
 * cannot find. Items sharing a node id are all kept.
 */
export const PYTEST_SELECT_PLUGIN_SOURCE = `"""Proctor's selection of a one-shot pytest run; see src/adapters/pytest-select-plugin.ts in Proctor."""
import json


def pytest_addoption(parser):
    parser.addoption("--proctor-select", default=None, help="Proctor: a JSON file of the node ids and files to run")


def pytest_collection_modifyitems(session, config, items):
    path = config.getoption("proctor_select")
    if not path:
        return
    with open(path, encoding="utf-8") as f:
        wanted = json.load(f)
    node_ids = set(wanted["node_ids"])
    files = tuple(wanted["files"])
    keep, drop = [], []
    for item in items:
        chosen = item.nodeid in node_ids or any(item.nodeid == f or item.nodeid.startswith(f + "::") for f in files)
        (keep if chosen else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
`;

/** Writes the plugin where PYTHONPATH can find it (see {@link installSource}) and returns that directory. */
export function installPytestSelectPlugin(): string {
  return installSource('proctor-pytest-select', `${PYTEST_SELECT_PLUGIN_MODULE}.py`, PYTEST_SELECT_PLUGIN_SOURCE);
}

/** Writes a run's selection into its report directory and returns the file, for `--proctor-select`. */
export function writePytestSelection(reportDir: string, selection: { node_ids: string[]; files: string[] }): string {
  const path = join(reportDir, 'proctor-pytest-select.json');
  writeFileSync(path, JSON.stringify(selection));
  return path;
}
