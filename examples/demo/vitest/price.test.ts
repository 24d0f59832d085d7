import { describe, expect, it } from 'vitest';
import { formatPrice, parsePrice } from './lib/price.js';

describe('price', () => {
  it('formats euros', () => {
    expect(formatPrice(1250)).toBe('€12.50');
  });

  // Fails on purpose: the demo needs a test that throws instead of asserting.
  it('parses a decimal comma', () => {
    expect(parsePrice('12,50')).toBe(1250);
  });

  it.skip('formats yen', () => {
    expect(formatPrice(100)).toBe('¥100');
  });

  it.todo('formats with the browser locale');
});
