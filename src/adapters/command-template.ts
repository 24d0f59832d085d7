/** What the placeholders of a command template stand for. */
export interface TemplateValues {
  files: readonly string[];
  filter: string;
  reportDir: string;
}

const PLACEHOLDER = /\{(files|filter|report_dir)\}/g;

/**
 * Fills a command template for `/bin/sh -c`: `{files}` becomes the files as separate words,
 * `{filter}` one word, `{report_dir}` one word; each value is shell-quoted so no file name can
 * inject shell code. Other braces (`${HOME}`, `{a,b}`) are left for the shell.
 *
 * @example fillTemplate('pytest {files} --junitxml={report_dir}/r.xml', { files: ['a b.py'], filter: '', reportDir: '/tmp/r' })
 * // "pytest 'a b.py' --junitxml=/tmp/r/r.xml"
 */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name === 'files') return values.files.map(shellQuote).join(' ');
    if (name === 'filter') return shellQuote(values.filter);
    return shellQuote(values.reportDir);
  });
}

/** Quotes one word for a POSIX shell; plain words stay readable. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Replaces `{report_dir}` in a path or glob without quoting (for paths Proctor itself reads). */
export function expandReportDir(pattern: string, reportDir: string): string {
  return pattern.replaceAll('{report_dir}', reportDir);
}
