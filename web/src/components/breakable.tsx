import { Fragment } from 'react';

// After a path separator or a scenario key's ` > `: where a long key or path may wrap without
// cutting a word (spaces already are such places).
const BREAK_AFTER = /(?<=[/\\]|::)/;

/**
 * Text that may wrap at its separators (`src/cart/`, `::`) rather than mid-word: a <wbr> after each.
 * A single part longer than its line still wraps (CSS `overflow-wrap`), so nothing is ever cut off.
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
