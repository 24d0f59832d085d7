/**
 * Terminal output as styled text: SGR colour sequences (`ESC[31m`) become styles of text runs, every
 * other escape sequence (cursor moves, titles, hyperlinks) is dropped. The result is data, never
 * markup: text stays text (React escapes it), classes come from a fixed set and colours are built
 * from numbers, so a log cannot inject HTML or CSS.
 */

export interface AnsiStyle {
  /** Fixed class names: `ansi-bold`, `ansi-fg-1` … (the 16 terminal colours follow the stylesheet). */
  classes: string;
  /** 256-colour and true-colour values as `rgb(r g b)`. */
  color?: string;
  background?: string;
}

export interface AnsiRun extends AnsiStyle {
  text: string;
}

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), DCS/SOS/PM/APC strings, then any other escape;
// a lone ESC (a sequence cut at the end of a live log) is dropped too.
const ESCAPES =
  /\u001b\[([0-?]*)[ -/]*([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[PX^_][^\u001b]*(?:\u001b\\)?|\u001b[ -/]*[0-~]|\u001b|\u009b[0-?]*[ -/]*[@-~]/g;

type Colour = number | string | null;

interface State {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  fg: Colour;
  bg: Colour;
}

const plain = (): State => ({
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
  fg: null,
  bg: null,
});

const LEVELS = [0, 95, 135, 175, 215, 255];
const byte = (n: number | undefined) => Math.max(0, Math.min(255, Math.trunc(n ?? 0)));

/** Colour n of the 256-colour palette: 0–15 by class, the cube and the greys as rgb(). */
function palette(n: number): Colour {
  if (n < 16) return n;
  if (n < 232) {
    const i = n - 16;
    return `rgb(${LEVELS[Math.floor(i / 36)]} ${LEVELS[Math.floor(i / 6) % 6]} ${LEVELS[i % 6]})`;
  }
  const g = 8 + 10 * (n - 232);
  return `rgb(${g} ${g} ${g})`;
}

/** `38;5;n` or `38;2;r;g;b` at codes[i]: the colour and how many codes it used. */
function extended(codes: number[], i: number): [Colour, number] {
  if (codes[i + 1] === 5) return [palette(byte(codes[i + 2])), 3];
  if (codes[i + 1] === 2) return [`rgb(${byte(codes[i + 2])} ${byte(codes[i + 3])} ${byte(codes[i + 4])})`, 5];
  return [null, 1];
}

/** Applies one SGR parameter list (`1;31`) to the state. */
function apply(s: State, params: string): State {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let next = { ...s };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 0) next = plain();
    else if (c === 1) next.bold = true;
    else if (c === 2) next.dim = true;
    else if (c === 3) next.italic = true;
    else if (c === 4) next.underline = true;
    else if (c === 7) next.inverse = true;
    else if (c === 22) next.bold = next.dim = false;
    else if (c === 23) next.italic = false;
    else if (c === 24) next.underline = false;
    else if (c === 27) next.inverse = false;
    else if (c >= 30 && c <= 37) next.fg = c - 30;
    else if (c >= 90 && c <= 97) next.fg = c - 90 + 8;
    else if (c === 39) next.fg = null;
    else if (c >= 40 && c <= 47) next.bg = c - 40;
    else if (c >= 100 && c <= 107) next.bg = c - 100 + 8;
    else if (c === 49) next.bg = null;
    else if (c === 38 || c === 48) {
      const [colour, used] = extended(codes, i);
      if (c === 38) next.fg = colour;
      else next.bg = colour;
      i += used - 1;
    }
  }
  return next;
}

function styleOf(s: State): AnsiStyle {
  const [fg, bg] = s.inverse ? [s.bg ?? 'inverse-fg', s.fg ?? 'inverse-bg'] : [s.fg, s.bg];
  const classes: string[] = [];
  if (s.bold) classes.push('ansi-bold');
  if (s.dim) classes.push('ansi-dim');
  if (s.italic) classes.push('ansi-italic');
  if (s.underline) classes.push('ansi-underline');
  const out: AnsiStyle = { classes: '' };
  if (typeof fg === 'number') classes.push(`ansi-fg-${fg}`);
  else if (fg === 'inverse-fg') classes.push('ansi-fg-inverse');
  else if (fg) out.color = fg;
  if (typeof bg === 'number') classes.push(`ansi-bg-${bg}`);
  else if (bg === 'inverse-bg') classes.push('ansi-bg-inverse');
  else if (bg) out.background = bg;
  out.classes = classes.join(' ');
  return out;
}

/**
 * Splits terminal output into styled runs of text, without any escape sequence left.
 *
 * @example parseAnsi('\u001b[32m✓\u001b[0m ok') // [{ text: '✓', classes: 'ansi-fg-2' }, { text: ' ok', classes: '' }]
 */
export function parseAnsi(input: string): AnsiRun[] {
  const runs: AnsiRun[] = [];
  let state = plain();
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const style = styleOf(state);
    const prev = runs.at(-1);
    if (prev && prev.classes === style.classes && prev.color === style.color && prev.background === style.background)
      prev.text += text;
    else runs.push({ text, ...style });
  };
  for (const m of input.matchAll(ESCAPES)) {
    push(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') state = apply(state, m[1] ?? '');
  }
  push(input.slice(last));
  return runs;
}

/** The last `max` characters of the runs' text, keeping each kept character's style. */
export function lastChars(runs: AnsiRun[], max: number): AnsiRun[] {
  const out: AnsiRun[] = [];
  let left = max;
  for (let i = runs.length - 1; i >= 0 && left > 0; i--) {
    const r = runs[i]!;
    out.push(r.text.length <= left ? r : { ...r, text: r.text.slice(-left) });
    left -= r.text.length;
  }
  return out.reverse();
}
