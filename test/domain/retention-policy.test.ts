import { describe, expect, it } from 'vitest';
import { parsePlanFile } from '../../src/domain/plan-file.js';
import { effectivePolicy, KEEP_EVERYTHING, retentionToDocument } from '../../src/domain/retention-policy.js';

describe('retention in proctor.yaml', () => {
  it('reads every limit, forever, and a file that holds only a policy', () => {
    const r = parsePlanFile(
      'project: web\nretention:\n  runs: { days: 90, last: 500 }\n  logs: { days: 14 }\n  artifacts: { days: forever }\n  app_builds: { last: 10 }\n',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.file.retention).toEqual({ runDays: 90, runLast: 500, logDays: 14, artifactDays: null, appBuildLast: 10 });
    expect(retentionToDocument(r.file.retention!)).toEqual({
      runs: { days: 90, last: 500 },
      logs: { days: 14 },
      artifacts: { days: 'forever' },
      app_builds: { last: 10 },
    });
  });

  it('leaves the policy alone without a block, and takes the server defaults for what a block does not set', () => {
    const none = parsePlanFile('environments:\n  e: {}\n');
    expect(none.ok && none.file.retention).toBe(undefined);
    const some = parsePlanFile('environments:\n  e: {}\nretention:\n  logs: { days: 3 }\n');
    expect(some.ok && effectivePolicy(some.file.retention!, { ...KEEP_EVERYTHING, runDays: 30, logDays: 10 })).toEqual({
      ...KEEP_EVERYTHING,
      runDays: 30,
      logDays: 3,
    });
  });

  it('names every problem by its path and line, with what to write instead', () => {
    const r = parsePlanFile(
      'environments:\n  e: {}\nretention:\n  runs: { days: 0, lsat: 3 }\n  logs: { days: 14d }\n  artifacts: 30\n  app_builds: { last: -1 }\n  results: {}\n',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.problems.list.map((p) => `${p.line}: ${p.path}: ${p.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^4: retention\.runs\.days: expected a whole number of days from 1 to 36500, or forever, got number 0 \(0 would delete everything at once: write forever/,
        ),
        expect.stringMatching(/^4: retention\.runs\.lsat: unknown key \(did you mean last\?\)/),
        expect.stringMatching(/^5: retention\.logs\.days: .*got string "14d" \(write 14: the unit is days\)/),
        expect.stringMatching(/^6: retention\.artifacts: expected a mapping with days/),
        expect.stringMatching(/^7: retention\.app_builds\.last: expected a whole number of versions from 1 to 1000000/),
        expect.stringMatching(/^8: retention\.results: unknown key/),
      ]),
    );
    expect(lines).toHaveLength(6);
  });

  it('warns when logs or artifacts would outlive their runs', () => {
    const r = parsePlanFile('environments:\n  e: {}\nretention:\n  runs: { days: 30 }\n  logs: { days: 60 }\n');
    expect(r.ok && r.warnings.map((w) => w.path)).toEqual(['retention.logs.days']);
  });
});
