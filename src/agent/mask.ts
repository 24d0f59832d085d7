/**
 * Replaces every occurrence of secret values with `***`. Values shorter than 4 characters are not
 * masked: masking `1` or `on` would shred every log while protecting nothing.
 */
export function makeMasker(secrets: readonly string[]): (text: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (t) => t;
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}
