/** Opaque page cursors: base64url of the last row's id, so clients never build them by hand. */
export function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

/** Returns the id inside a cursor, or null when the cursor is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const m = /^id:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? Number(m[1]) : null;
}
