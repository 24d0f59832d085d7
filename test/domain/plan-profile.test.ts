import { describe, expect, it } from 'vitest';
import { planToDocument } from '../../src/domain/plan-document.js';
import { parsePlanFile, validatePlanFile } from '../../src/domain/plan-file.js';
import { applyProfile } from '../../src/domain/plan-profile.js';

const FILE = `
environments:
  chrome: { platform: web }
  pixel: { platform: android }
plans:
  app:
    framework: command
    environments: [chrome, pixel]
    timeout: 10m
    retries: 2
    profiles:
      fast:
        scenarios: { tags: [smoke] }
        environments: [chrome]
        retries: 0
        timeout: 2m
      deep:
        run_timeout: 2h
        max_parallel: 2
        fail_fast: true
`;

function plan(text = FILE) {
  const r = parsePlanFile(text);
  if (!r.ok) throw new Error(r.problems.toString());
  return r.file.plans[0]!;
}

describe('plan profiles', () => {
  it('reads profiles holding only the settings they override', () => {
    expect(plan().profiles).toEqual({
      fast: {
        scenarios: { include: [], exclude: [], tags: ['smoke'], names: [] },
        environments: ['chrome'],
        retries: 0,
        jobTimeoutMs: 120_000,
      },
      deep: { runTimeoutMs: 7_200_000, maxParallel: 2, failFast: 1 },
    });
  });

  it('applies a profile over the plan and leaves the rest of the plan alone', () => {
    const p = plan();
    const fast = applyProfile(p, 'fast')!;
    expect(fast).toMatchObject({
      environments: ['chrome'],
      retries: 0,
      jobTimeoutMs: 120_000,
      maxParallel: p.maxParallel,
      runTimeoutMs: null,
    });
    expect(fast.scenarios.tags).toEqual(['smoke']);
    expect(applyProfile(p, 'deep')).toMatchObject({
      environments: ['chrome', 'pixel'],
      retries: 2,
      runTimeoutMs: 7_200_000,
      maxParallel: 2,
      failFast: 1,
    });
    expect(applyProfile(p, 'nope')).toBeUndefined();
    expect(applyProfile(p, 'constructor')).toBeUndefined();
    expect(applyProfile(plan(FILE.replace(/ {4}profiles:[\s\S]*$/, '')), 'fast')).toBeUndefined();
  });

  it('writes profiles back in the shape of proctor.yaml, which reads back to the same plan', () => {
    const p = plan();
    const doc = planToDocument(p);
    expect(doc.profiles).toEqual({
      fast: { scenarios: p.profiles!.fast!.scenarios, environments: ['chrome'], timeout: '2m', retries: 0 },
      deep: { run_timeout: '2h', max_parallel: 2, fail_fast: 1 },
    });
    const again = validatePlanFile({
      environments: { chrome: { platform: 'web' }, pixel: { platform: 'android' } },
      plans: { app: doc },
    });
    expect(again.ok && again.file.plans[0]).toEqual(p);
    expect(planToDocument(plan(FILE.replace(/ {4}profiles:[\s\S]*$/, '')))).not.toHaveProperty('profiles');
  });

  it('names every problem of a profile by its path', () => {
    const bad = FILE.replace('retries: 0', 'retries: many')
      .replace('timeout: 2m', 'timeout: soon')
      .replace('environments: [chrome]\n', 'environments: [safari]\n        colour: red\n');
    const r = parsePlanFile(bad);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems.list.map((x) => x.path);
    expect(problems).toEqual(
      expect.arrayContaining([
        'plans.app.profiles.fast.retries',
        'plans.app.profiles.fast.timeout',
        'plans.app.profiles.fast.environments',
        'plans.app.profiles.fast.colour',
      ]),
    );
    const notMapping = parsePlanFile(FILE.replace(/ {4}profiles:[\s\S]*$/, '    profiles: [fast]\n'));
    expect(!notMapping.ok && notMapping.problems.list[0]).toMatchObject({
      path: 'plans.app.profiles',
      message: expect.stringContaining('expected a mapping of profile name'),
    });
    const badName = parsePlanFile(FILE.replace('      deep:', '      "d e e p":'));
    expect(!badName.ok && badName.problems.list[0]!.path).toBe('plans.app.profiles.d e e p');
  });
});
