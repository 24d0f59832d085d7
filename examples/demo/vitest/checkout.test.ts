import { expect, it } from 'vitest';
import { Cart } from './lib/cart.js';

it('places an order @smoke', () => {
  const cart = new Cart();
  cart.add('apple', 50);
  expect(cart.total()).toBeGreaterThan(0);
});

it('rejects an empty cart', () => {
  expect(new Cart().total()).toBe(0);
});
