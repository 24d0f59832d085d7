/** Times travel as ISO 8601 text in UTC (`2026-12-04T03:16:30.188Z`); stored as epoch milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `isoTime`, or null for a time that has not come (a run not yet finished). */
export function isoTimeOrNull(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}
