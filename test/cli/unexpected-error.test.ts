import { describe, expect, it } from 'vitest';
import { commandLine, unexpectedErrorLine } from '../../src/cli/unexpected-error.js';

describe('the line for an error nobody foresaw', () => {
  it('names the command without its credentials or parameter values', () => {
    expect(commandLine(['run', 'unit', '--wait'])).toBe('proctor run unit --wait');
    expect(commandLine(['login', '--token', 'pk_0123456789_s3cretS3cretS3cret', '--server', 'http://a:b@h:1'])).toBe(
      'proctor login --token … --server http://…@h:1',
    );
    expect(commandLine(['login', '--token=pk_0123456789_s3cretS3cretS3cret'])).toBe('proctor login --token=…');
    expect(commandLine(['agent', '--token', 'x', 'pk_0123456789_s3cretS3cretS3cret'])).toBe(
      'proctor agent --token … pk_0123456789_…',
    );
    expect(commandLine(['run', 'u', '--param', 'PASSWORD=hunter2', '--param=KEY=abc', '--env', 'my env'])).toBe(
      "proctor run u --param PASSWORD=… --param=KEY=… --env 'my env'",
    );
  });

  it('says whose bug it is and what to report, on one line', () => {
    const line = unexpectedErrorLine(
      new TypeError("Cannot read properties\n of undefined (reading 'map')."),
      ['rerun', '2'],
      '1.2.3',
    );
    expect(line).toBe(
      "proctor: unexpected error: TypeError: Cannot read properties of undefined (reading 'map'). This is a bug in Proctor, not a mistake of yours: please report it to Proctor's maintainers with this line (command: proctor rerun 2; proctor 1.2.3)",
    );
    expect(line).not.toContain('\n');
  });
});
