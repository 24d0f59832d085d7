import type { JUnitCase } from './junit-case.js';

// C0 controls other than tab, newline and carriage return: XML 1.0 has no place for them, not
// even as character references, yet a test that prints NUL or an escape code into its failure
// message gets them written raw into its report by more than one framework.
const CONTROL = /[\0-\x08\x0b\x0c\x0e-\x1f]/;
const CONTROLS = /[\0-\x08\x0b\x0c\x0e-\x1f]/g;
// Their stand-ins: the noncharacters U+FDD0–U+FDEF, 32 of them, one per C0 code, which XML allows.
const STAND_INS = /[\ufdd0-\ufdef]/g;
const BASE = 0xfdd0;

/**
 * Swaps the C0 controls of a chunk of a report for stand-ins the XML parser accepts; `revealControls`
 * swaps them back in what was read, so a message reads as the test printed it. One scan of the
 * chunk when it holds none (about 50 µs per 64 KiB).
 */
export function hideControls(xml: string): string {
  return CONTROL.test(xml) ? xml.replace(CONTROLS, (c) => String.fromCharCode(BASE + c.charCodeAt(0))) : xml;
}

/** The text of a case with its controls back in place (a genuine U+FDD0–U+FDEF in a report reads back as a control too). */
export function revealControls(c: JUnitCase): JUnitCase {
  const text = (s: string) => s.replace(STAND_INS, (x) => String.fromCharCode(x.charCodeAt(0) - BASE));
  const out: JUnitCase = { ...c, suites: c.suites.map(text), classname: text(c.classname), name: text(c.name) };
  for (const k of ['file', 'message', 'stack', 'stdout', 'stderr'] as const) {
    const v = c[k];
    if (v !== undefined) out[k] = text(v);
  }
  return out;
}
