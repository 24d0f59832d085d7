/** A tiny cart for the example tests. */
function createCart() {
  const items = [];
  return {
    add(name, price) {
      items.push({ name, price });
    },
    get size() {
      return items.length;
    },
    total(discount = 0) {
      return items.reduce((sum, i) => sum + i.price, 0) * (1 - discount);
    },
  };
}

module.exports = { createCart };
