/** Price formatting and parsing: the code under test of the Vitest demo suite. */
export function formatPrice(cents: number): string {
  if (cents < 0) throw new RangeError('a price cannot be negative');
  return `€${(cents / 100).toFixed(2)}`;
}

/** Deliberately strict: rejects a decimal comma, so the demo has a test that throws. */
export function parsePrice(text: string): number {
  if (!/^\d+(\.\d{1,2})?$/.test(text)) throw new Error(`unparseable price: ${text}`);
  return Math.round(Number(text) * 100);
}
