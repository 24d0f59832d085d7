import { Fragment, type ReactNode } from 'react';

// After a separator: a path's `/` or `\`, a namespace's `::`, a file's `.`, a `_` or `-` between
// words, a scenario key's `›`. There a long key or path may wrap without cutting a word (spaces
// already are such places; a lone `:` is not, so `::` stays whole).
const BREAK_AFTER = /(?<=[/\\._\-›]|::)(?![/\\._\-›:])/;

/**
 * Text that may wrap at its separators (`src/cart/`, `::`, `cart.test.ts`, `saved_cards`) rather
 * than mid-word: a <wbr> after each. A single part longer than its line still wraps (CSS
 * `overflow-wrap`), so nothing is ever cut off.
 */
export function Breakable({ text }: { text: string }) {
  const parts = text.split(BREAK_AFTER);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {p}
        </Fragment>
      ))}
    </>
  );
}

/** Longer free text is left to plain wrapping: a <wbr> per separator of a huge log would slow the page. */
const MARKED_CHARS = 50_000;
/** A word too long for a phone's line (a path in a stack frame, a URL); shorter ones wrap at spaces already. */
const LONG_WORD = /\S{20,}/g;

/**
 * Free text (a message, a stack, a log) whose long words may wrap at their separators like a key
 * (`node_modules/<wbr>@vitest/<wbr>runner/`), not mid-word; the text itself, copied, is unchanged.
 */
export function BreakableText({ text }: { text: string }) {
  if (text.length > MARKED_CHARS) return <>{text}</>;
  const parts: ReactNode[] = [];
  let at = 0;
  for (const m of text.matchAll(LONG_WORD)) {
    parts.push(text.slice(at, m.index), <Breakable key={m.index} text={m[0]} />);
    at = m.index + m[0].length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}
