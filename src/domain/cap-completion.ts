import type { Static } from 'typebox';
import {
  AGENT_REPORT_LIMITS as L,
  type CompleteRequest,
  type DiscoveredScenarioSchema,
  type TestReportSchema,
} from '../protocol/agent-api.js';
import { keepEnd } from './text-cap.js';

type TestReport = Static<typeof TestReportSchema>;
type DiscoveredScenario = Static<typeof DiscoveredScenarioSchema>;

/**
 * A completion cut to the protocol's limits (`AGENT_REPORT_LIMITS`): each text keeps its end
 * behind a marker saying how much was dropped, each list its first items. The agent applies it
 * before sending, so a long error or a chatty test never makes the server refuse the completion
 * (the job would lose lease after lease); the server applies it again to what an older or foreign
 * agent sends. Cutting is deterministic, so a scenario key cut at discovery and the same key cut
 * in a result still name the same scenario. Returns `c` itself when everything fits.
 */
export function capCompletion(c: CompleteRequest): CompleteRequest {
  const error = c.error === undefined ? undefined : keepEnd(c.error, L.error);
  const output = c.output === undefined ? undefined : keepEnd(c.output, L.output);
  const results = c.results === undefined ? undefined : mapSame(c.results, capReport);
  const scenarios = c.scenarios === undefined ? undefined : mapSame(c.scenarios, capScenario);
  if (error === c.error && output === c.output && results === c.results && scenarios === c.scenarios) return c;
  return {
    ...c,
    ...(error !== undefined ? { error } : {}),
    ...(output !== undefined ? { output } : {}),
    ...(results !== undefined ? { results } : {}),
    ...(scenarios !== undefined ? { scenarios } : {}),
  };
}

function capReport(r: TestReport): TestReport {
  const key = keepEnd(r.key, L.key);
  const file = keepEnd(r.file, L.file);
  const path = capPath(r.path);
  const message = r.message === undefined ? undefined : keepEnd(r.message, L.testText);
  const stack = r.stack === undefined ? undefined : keepEnd(r.stack, L.testText);
  const stdout = r.stdout === undefined ? undefined : keepEnd(r.stdout, L.testText);
  const stderr = r.stderr === undefined ? undefined : keepEnd(r.stderr, L.testText);
  const artifacts = r.artifacts === undefined ? undefined : capArtifacts(r.artifacts);
  if (
    key === r.key &&
    file === r.file &&
    path === r.path &&
    message === r.message &&
    stack === r.stack &&
    stdout === r.stdout &&
    stderr === r.stderr &&
    artifacts === r.artifacts
  )
    return r;
  return {
    ...r,
    key,
    file,
    path,
    ...(message !== undefined ? { message } : {}),
    ...(stack !== undefined ? { stack } : {}),
    ...(stdout !== undefined ? { stdout } : {}),
    ...(stderr !== undefined ? { stderr } : {}),
    ...(artifacts !== undefined ? { artifacts } : {}),
  };
}

function capScenario(s: DiscoveredScenario): DiscoveredScenario {
  const key = keepEnd(s.key, L.key);
  const file = keepEnd(s.file, L.file);
  const path = capPath(s.path);
  const tags = mapSame(s.tags.length > L.tags ? s.tags.slice(0, L.tags) : s.tags, (t) => keepEnd(t, L.tag));
  if (key === s.key && file === s.file && path === s.path && tags === s.tags) return s;
  return { ...s, key, file, path, tags };
}

function capPath(path: string[]): string[] {
  return mapSame(path.length > L.pathParts ? path.slice(0, L.pathParts) : path, (p) => keepEnd(p, L.pathPart));
}

function capArtifacts(artifacts: NonNullable<TestReport['artifacts']>): NonNullable<TestReport['artifacts']> {
  return mapSame(artifacts.length > L.artifacts ? artifacts.slice(0, L.artifacts) : artifacts, (a) => {
    const path = keepEnd(a.path, L.artifactPath);
    const name = keepEnd(a.name, L.artifactName);
    const contentType = a.contentType === undefined ? undefined : keepEnd(a.contentType, L.contentType);
    if (path === a.path && name === a.name && contentType === a.contentType) return a;
    return { ...a, path, name, ...(contentType !== undefined ? { contentType } : {}) };
  });
}

/** `list.map(f)`, or `list` itself when `f` returned every element unchanged. */
function mapSame<T>(list: T[], f: (item: T) => T): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const v = f(list[i]!);
    if (v !== list[i]) {
      out ??= list.slice();
      out[i] = v;
    }
  }
  return out ?? list;
}
