/** A tiny shopping cart: the code under test of the Vitest demo suite. */
export interface Line {
  sku: string;
  price: number;
  quantity: number;
}

export class Cart {
  readonly lines: Line[] = [];

  add(sku: string, price: number, quantity = 1): void {
    const line = this.lines.find((l) => l.sku === sku);
    if (line) line.quantity += quantity;
    else this.lines.push({ sku, price, quantity });
  }

  total(): number {
    return this.lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
  }

  /** Deliberately buggy: takes the discount off twice, so the demo has a failing assertion. */
  totalWithDiscount(percent: number): number {
    const factor = 1 - percent / 100;
    return Math.round(this.total() * factor * factor * 100) / 100;
  }
}
