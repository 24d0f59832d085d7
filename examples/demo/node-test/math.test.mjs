import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('math', () => {
  describe('add', () => {
    it('adds two numbers', () => {
      assert.equal(2 + 2, 4);
    });

    it('adds negative numbers', () => {
      assert.equal(-2 + -3, -5);
    });
  });

  // Fails on purpose: the demo needs a failing file.
  it('divides by zero', () => {
    assert.equal(1 / 0, 0, 'division by zero should give 0');
  });

  it.skip('rounds half to even', () => {
    assert.equal(Math.round(2.5), 2);
  });
});
