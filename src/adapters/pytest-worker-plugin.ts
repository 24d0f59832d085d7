import { installSource } from './install-source.js';

/** The module name pytest loads the plugin by (`-p proctor_pytest_worker`). */
export const PYTEST_WORKER_PLUGIN_MODULE = 'proctor_pytest_worker';

/**
 * The pytest plugin behind queue mode (options.worker: true), as Python source: tsc copies no .py
 * files to dist, so it lives here and {@link installPytestWorkerPlugin} writes it out.
 *
 * Per batch it selects the collected items the batch's `node_ids` name (test ids, or files whose
 * every item runs; an older agent's batch has only `scenarios`) (collection happened once,
 * at start), replays the collection errors those node ids meet, runs the items through pytest's
 * own runtest protocol (the last with nextitem None, so every fixture is torn down between
 * batches), writes `<report_dir>/pytest.xml` with pytest's own JUnit writer set up as the one-shot
 * run's `--junitxml` is, prints the batch's failures and a closing line with its pid, and writes
 * one line to fd 3.
 */
export const PYTEST_WORKER_PLUGIN_SOURCE = String.raw`"""Proctor's queue mode for pytest (loaded with -p by the agent; see agent/framework-worker.ts).

The session is collected once, as usual. Then, instead of pytest's own test loop, batches are
read from stdin, one JSON line each, until stdin closes: each batch runs the collected items its
scenarios name, writes <report_dir>/pytest.xml exactly as --junitxml with junit_family=xunit1
and junit_logging=out-err would, and is acknowledged by one line on file descriptor 3.
"""
import json
import os
import sys
import time

import pytest
from _pytest.junitxml import LogXML

try:
    from _pytest.junitxml import xml_key
except ImportError:  # older than pytest 7: record_xml_attribute just goes unrecorded
    xml_key = None

REPORT_FILE = "pytest.xml"


def _take_channels():
    """The batch and reply channels, moved off fds 0 and 3 before pytest's capture touches fd 0.

    The one-shot run's tests see an empty stdin; so do the worker's, and a test or a process it
    starts can neither read a batch nor write a reply.
    """
    try:
        replies = os.dup(3)
    except OSError:
        raise RuntimeError("proctor_pytest_worker: file descriptor 3 is not open; only the Proctor agent starts this plugin") from None
    batches = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.close(3)
    return batches, replies


_BATCHES, _REPLIES = _take_channels()
# Collection reports that were not a pass (a file that failed to import, a skipped module), in
# order: collection happens once, so each batch replays those of its scenarios into its report.
_COLLECT_PROBLEMS = []


def pytest_collectreport(report):
    if not report.passed:
        _COLLECT_PROBLEMS.append(report)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    state = {item: (list(getattr(item, "user_properties", [])), list(getattr(item, "_report_sections", []))) for item in session.items}
    for line in _BATCHES:
        if line.strip():
            _serve(session, state, line)
    return True


def _serve(session, state, line):
    """Runs one batch and acknowledges it. An exception out of a test run (pytest.exit) ends the worker unacknowledged."""
    try:
        batch = json.loads(line)
        report_dir, scenarios = batch["report_dir"], batch["scenarios"]
        # The agent names the node ids (or whole files) to run; an older one only the scenarios.
        node_ids = batch.get("node_ids") or ["::".join([s["file"], *s["path"]]) for s in scenarios]
    except (ValueError, KeyError, TypeError) as error:
        sys.stderr.write("proctor_pytest_worker: malformed batch (%s): %r\n" % (error, line[:200]))
    else:
        _run_batch(session, state, os.path.join(report_dir, REPORT_FILE), node_ids)
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(_REPLIES, b"\n")


def _run_batch(session, state, report_path, node_ids):
    items, problems = _select(session.items, node_ids)
    config = session.config
    xml, replaced = _open_report(config, report_path)
    terminal = config.pluginmanager.getplugin("terminalreporter")
    session_stats, started = _batch_stats(terminal), time.monotonic()
    try:
        for report in problems:
            xml.pytest_collectreport(report)
            if terminal is not None:
                terminal.stats.setdefault("error" if report.failed else "skipped", []).append(report)
        for i, item in enumerate(items):
            _refresh(item, state)
            next_item = items[i + 1] if i + 1 < len(items) else None
            item.ihook.pytest_runtest_protocol(item=item, nextitem=next_item)
    finally:
        _close_report(config, xml, replaced)
        if terminal is not None:
            _summarize(terminal, session_stats, time.monotonic() - started)


def _select(collected, node_ids):
    """The items the node ids name, in collection order, and the collection problems they meet.

    As on pytest's command line, a node id names itself and everything under it (a file: its
    tests; a function: its parametrizations), and meets the problems of its own collectors and
    of those above it (a file that failed to import stands for every test asked of it).
    """
    # Items of a plugin's own collector may share a node id: a node id names all of them.
    positions = {}
    for i, item in enumerate(collected):
        positions.setdefault(item.nodeid, []).append(i)
    chosen, problems = set(), []
    for node_id in dict.fromkeys(node_ids):
        found = positions[node_id] if node_id in positions else [i for i, item in enumerate(collected) if _under(item.nodeid, node_id)]
        met = [r for r in _COLLECT_PROBLEMS if r.nodeid and (_under(node_id, r.nodeid) or _under(r.nodeid, node_id))]
        if not found and not met:
            sys.stderr.write("ERROR: not found: %s (not collected by this worker, or deselected)\n" % node_id)
        chosen.update(found)
        problems.extend(r for r in met if r not in problems)
    return [collected[i] for i in sorted(chosen)], problems


def _under(node_id, ancestor):
    """Whether node_id is ancestor itself or below it (a test in a file, a file in a directory)."""
    return node_id == ancestor or node_id.startswith((ancestor + "::", ancestor + "[", ancestor + "/"))


def _refresh(item, state):
    """An item may run in several batches: give it back what it had after collection, as a fresh run would see."""
    properties, sections = state[item]
    if hasattr(item, "user_properties"):
        item.user_properties = list(properties)
    if hasattr(item, "_report_sections"):
        item._report_sections = list(sections)


def _open_report(config, path):
    """pytest's own JUnit writer, set up as --junitxml=path -o junit_family=xunit1 -o junit_logging=out-err
    would; returns it and the writer it stands in for meanwhile (--junitxml in options.args), if any."""
    xml = LogXML(
        path,
        config.option.junitprefix,
        config.getini("junit_suite_name"),
        "out-err",
        config.getini("junit_duration_report"),
        "xunit1",
        config.getini("junit_log_passing_tests"),
    )
    replaced = None
    if xml_key is not None:  # where record_xml_attribute and record_testsuite_property find it
        replaced = config.stash.get(xml_key, None)
        config.stash[xml_key] = xml
    config.pluginmanager.register(xml)
    xml.pytest_sessionstart()
    return xml, replaced


def _close_report(config, xml, replaced):
    config.pluginmanager.unregister(xml)
    if xml_key is not None:
        if replaced is None:
            del config.stash[xml_key]
        else:
            config.stash[xml_key] = replaced
    try:
        xml.pytest_sessionfinish()
    except OSError as error:  # the agent reports the missing report; the worker can take the next batch
        sys.stderr.write("proctor_pytest_worker: cannot write %s: %s\n" % (xml.logfile, error))


def _batch_stats(terminal):
    """Gives the terminal reporter empty stats for the batch; returns the session's to merge back into."""
    if terminal is None:
        return None
    session_stats, terminal.stats = terminal.stats, {}
    return session_stats


def _summarize(terminal, session_stats, seconds):
    """pytest's failures and errors sections and a closing line for this batch alone."""
    stats = terminal.stats
    try:
        if terminal._tw.width_of_current_line:
            terminal._tw.line()
        terminal.summary_errors()
        terminal.summary_failures()
        terminal.short_test_summary()
    except Exception as error:  # the sections' methods are pytest's internals: never fail a batch over them
        terminal.write_line("(proctor_pytest_worker: no summary: %s)" % error)
    counts = []
    for key in ("failed", "passed", "skipped", "xfailed", "xpassed", "error"):
        n = len([r for r in stats.get(key, []) if getattr(r, "count_towards_summary", True)])
        if n:
            counts.append("%d %s" % (n, "errors" if key == "error" and n > 1 else key))
    terminal.write_line("%s in %.2fs (proctor worker, pid %d)" % (", ".join(counts) or "no tests ran", seconds, os.getpid()))
    # The replayed collection problems are in the session's stats already.
    for key, reports in stats.items():
        session_stats.setdefault(key, []).extend(r for r in reports if getattr(r, "when", None) != "collect")
    terminal.stats = session_stats
`;

/**
 * Writes the plugin to `<tmpdir>/proctor-pytest-worker-<sha256 prefix>/proctor_pytest_worker.py`
 * unless it is there already, and returns that directory (to put on PYTHONPATH).
 */
export function installPytestWorkerPlugin(): string {
  return installSource('proctor-pytest-worker', `${PYTEST_WORKER_PLUGIN_MODULE}.py`, PYTEST_WORKER_PLUGIN_SOURCE);
}
