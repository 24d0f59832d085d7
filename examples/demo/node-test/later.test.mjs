import { describe, it } from 'node:test';

// Every test here is skipped, so the file's scenario is skipped.
describe('payments', () => {
  it.skip('refunds a card payment', () => {});
  it.todo('splits a payment');
});
