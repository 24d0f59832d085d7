import { describe, expect, it } from 'vitest';
import { CaseFileMatcher } from '../../src/adapters/case-file-matcher.js';
import type { JUnitCase } from '../../src/reports/junit-case.js';

const at = (fields: Partial<JUnitCase>): JUnitCase => ({
  suites: [],
  classname: '',
  name: 't',
  time: 0,
  outcome: 'passed',
  ...fields,
});

describe('CaseFileMatcher', () => {
  const files = [
    'src/test/java/com/acme/CalculatorTest.java',
    'tests/test_math.py',
    'e2e/login.spec.ts',
    'a/index.test.js',
    'b/index.test.js',
  ];
  const matcher = new CaseFileMatcher('/repo', files);

  it('trusts a file attribute, absolute or relative', () => {
    expect(matcher.match(at({ file: '/repo/tests/test_math.py' }))).toBe('tests/test_math.py');
    expect(matcher.match(at({ file: './b/index.test.js' }))).toBe('b/index.test.js');
  });

  it('reads a Java class name against the end of a source path (Surefire, TestNG)', () => {
    expect(matcher.match(at({ classname: 'com.acme.CalculatorTest' }))).toBe(
      'src/test/java/com/acme/CalculatorTest.java',
    );
    expect(matcher.match(at({ classname: 'com.acme.CalculatorTest$Nested' }))).toBe(
      'src/test/java/com/acme/CalculatorTest.java',
    );
  });

  it('reads a Python module, with or without a class after it (pytest)', () => {
    expect(matcher.match(at({ classname: 'tests.test_math' }))).toBe('tests/test_math.py');
    expect(matcher.match(at({ classname: 'tests.test_math.TestAdd' }))).toBe('tests/test_math.py');
  });

  it('reads a file name in the classname or a suite name (Playwright)', () => {
    expect(matcher.match(at({ classname: 'login.spec.ts' }))).toBe('e2e/login.spec.ts');
    expect(matcher.match(at({ classname: 'Login page', suites: ['e2e/login.spec.ts', 'Login page'] }))).toBe(
      'e2e/login.spec.ts',
    );
  });

  it('refuses to guess between two files with the same name, or from nothing', () => {
    expect(matcher.match(at({ classname: 'index.test.js' }))).toBeUndefined();
    expect(matcher.match(at({ classname: 'test', suites: ['pytest'] }))).toBeUndefined();
  });

  it('gives every case to the only file of a batch', () => {
    expect(new CaseFileMatcher('/repo', ['run.sh']).match(at({ classname: 'whatever' }))).toBe('run.sh');
  });
});
