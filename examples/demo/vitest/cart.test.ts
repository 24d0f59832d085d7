import { describe, expect, it } from 'vitest';
import { Cart } from './lib/cart.js';

describe('cart', () => {
  describe('adding items', () => {
    it('starts empty', () => {
      expect(new Cart().lines).toEqual([]);
    });

    it('adds an item', () => {
      const cart = new Cart();
      cart.add('apple', 50);
      expect(cart.lines).toEqual([{ sku: 'apple', price: 50, quantity: 1 }]);
    });

    it('merges the same item', () => {
      const cart = new Cart();
      cart.add('apple', 50);
      cart.add('apple', 50, 2);
      expect(cart.lines).toHaveLength(1);
      expect(cart.lines[0]?.quantity).toBe(3);
    });
  });

  describe('totals', () => {
    it('sums prices', () => {
      const cart = new Cart();
      cart.add('apple', 50, 2);
      cart.add('pear', 70);
      expect(cart.total()).toBe(170);
    });

    // Fails on purpose: the demo needs an assertion failure.
    it('applies a 10% discount', () => {
      const cart = new Cart();
      cart.add('melon', 100);
      expect(cart.totalWithDiscount(10)).toBe(90);
    });
  });
});
