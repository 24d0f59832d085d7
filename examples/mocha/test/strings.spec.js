const assert = require('node:assert/strict');

let attempts = 0;

describe('strings', function () {
  it('upper-cases', () => {
    console.log('upper-casing "proctor"');
    assert.equal('proctor'.toUpperCase(), 'PROCTOR');
  });

  // Mocha retries it once; it passes on the retry, so it is flaky.
  it('trims on the second try', function () {
    this.retries(1);
    attempts += 1;
    assert.equal(attempts, 2);
  });
});
