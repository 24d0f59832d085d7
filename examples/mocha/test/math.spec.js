const assert = require('node:assert/strict');

describe('math', () => {
  describe('add', () => {
    it('adds two numbers', () => {
      assert.equal(1 + 2, 3);
    });

    it('adds negative numbers', () => {
      assert.equal(-1 + -2, -3);
    });
  });

  // Fails on purpose.
  it('divides by zero', () => {
    assert.equal(1 / 0, 0, 'division by zero should give 0');
  });

  it.skip('rounds half to even', () => {});

  it('is pending without a body');
});
