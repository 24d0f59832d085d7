import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locatePackageBin, requirePackageDir } from '../../src/adapters/package-binary.js';
import { AdapterError } from '../../src/adapters/types.js';

describe("a suite's framework package", () => {
  it('that is missing is framework_missing, saying how to install it, whether its directory or its binary was wanted', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'proctor-no-framework-'));
    const expected = {
      reason: 'framework_missing',
      message: `proctor-no-such-framework is not installed in ${cwd}: run npm install -D proctor-no-such-framework there`,
    };
    for (const find of [
      () => requirePackageDir(cwd, 'proctor-no-such-framework'),
      () => locatePackageBin(cwd, 'proctor-no-such-framework', 'run'),
    ]) {
      const error = (() => {
        try {
          find();
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject(expected);
    }
  });

  it('that is installed is found from the suite upward', () => {
    expect(requirePackageDir(process.cwd(), 'vitest')).toBe(join(process.cwd(), 'node_modules', 'vitest'));
  });
});
