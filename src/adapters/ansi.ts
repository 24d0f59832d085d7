/** Removes ANSI escape sequences (colours, cursor moves): reports want plain text. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}
