import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { SCREENSHOTS, WIDTHS } from '../support/browser.js';

export interface Clipped {
  what: string;
  text: string;
  why: string;
}

/**
 * Runs in the page (a string: the test project has no DOM types). Finds every visible element whose
 * content is cut off with no way to read it:
 * - `overflow: hidden`/`clip` (ellipsis, line clamps) with more content than box, unless the element's
 *   title holds its whole text (then it can be read on hover, and the tests check where else it shows);
 * - a box that scrolls sideways without a visible cue (a `.scroll-cue` in its `[data-scrolls]` area);
 * - anything reaching past the viewport's right edge outside a scroll box (the page clips it).
 */
const FIND_CLIPPED = `(() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const squash = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const scrollsX = (el) => { const o = getComputedStyle(el).overflowX; return o === 'auto' || o === 'scroll'; };
  const inScroller = (el) => { for (let p = el.parentElement; p; p = p.parentElement) if (scrollsX(p)) return true; return false; };
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    if (['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'SCRIPT', 'STYLE', 'BR', 'WBR'].includes(el.tagName)) continue;
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (cs.display === 'none' || cs.visibility === 'hidden' || r.width === 0 || r.height === 0) continue;
    const text = squash(el.textContent);
    const hover = squash(el.getAttribute('title'));
    const readable = text !== '' && hover.includes(text);
    const report = (why) => out.push({ what: name(el), text: text.slice(0, 80), why });
    const cut = (o) => o === 'hidden' || o === 'clip';
    if (cut(cs.overflowX) && el.scrollWidth > el.clientWidth + 1 && !readable) report('cut sideways: ' + el.scrollWidth + ' px of content in ' + el.clientWidth + ' px');
    if (cut(cs.overflowY) && el.scrollHeight > el.clientHeight + 1 && !readable) report('cut below: ' + el.scrollHeight + ' px of content in ' + el.clientHeight + ' px');
    if (scrollsX(el) && el.scrollWidth > el.clientWidth + 1) {
      const cue = el.closest('[data-scrolls]')?.querySelector('.scroll-cue');
      const shown = cue && cue.getBoundingClientRect().height > 0 && getComputedStyle(cue).visibility !== 'hidden';
      if (!shown) report('scrolls sideways (' + el.scrollWidth + ' px in ' + el.clientWidth + ' px) with no sign that it does');
    }
    if (r.right > vw + 1 && !inScroller(el) && !el.closest('.skip')) report('reaches ' + Math.round(r.right) + ' px, past the ' + vw + ' px viewport');
  }
  return out;
})()`;

/**
 * Runs in the page. Finds SVG text (a chart's labels) reaching outside its SVG's box: the SVG clips
 * it, and a label half outside is as unreadable as text cut off.
 */
const FIND_SVG_OUTSIDE = `(() => {
  const out = [];
  for (const t of document.querySelectorAll('svg text')) {
    let svg = t.ownerSVGElement;
    while (svg && svg.ownerSVGElement) svg = svg.ownerSVGElement;
    if (!svg) continue;
    const cs = getComputedStyle(t);
    const r = t.getBoundingClientRect();
    const box = svg.getBoundingClientRect();
    if (cs.display === 'none' || cs.visibility === 'hidden' || r.width === 0 || r.height === 0 || box.width === 0) continue;
    const past = [
      r.left < box.left - 1 ? 'left by ' + Math.round(box.left - r.left) + ' px' : '',
      r.right > box.right + 1 ? 'right by ' + Math.round(r.right - box.right) + ' px' : '',
      r.top < box.top - 1 ? 'top by ' + Math.round(box.top - r.top) + ' px' : '',
      r.bottom > box.bottom + 1 ? 'bottom by ' + Math.round(r.bottom - box.bottom) + ' px' : '',
    ].filter(Boolean);
    if (past.length) out.push({ what: 'svg text', text: (t.textContent || '').trim().slice(0, 80), why: 'outside its SVG (' + Math.round(box.width) + ' x ' + Math.round(box.height) + ' px) past the ' + past.join(', ') });
  }
  return out;
})()`;

/**
 * Runs in the page. Finds words broken in the middle: a line that ends between two letters or
 * digits of one text (a long key wrapped as `checko|ut`). A line may end after a separator or a
 * space (`src/`, `::`, `.`, `-`, `_`, any punctuation): only runs of letters, digits and their
 * marks must stay whole. Each character's line is where its own box is.
 */
const FIND_BROKEN_WORDS = `(() => {
  const out = [];
  const word = /[\\p{L}\\p{N}\\p{M}]/u;
  const name = (el) => el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const range = document.createRange();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('svg, script, style, textarea, select, option')) continue;
    const text = node.data;
    if (!/[\\p{L}\\p{N}]{2}/u.test(text)) continue;
    range.selectNodeContents(node);
    // A text on one line has nothing to break.
    if (range.getClientRects().length < 2) continue;
    let before = null;
    for (let i = 0; i < text.length; i++) {
      if (!word.test(text[i])) { before = null; continue; }
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) { before = null; continue; }
      if (before && r.top >= before.top + before.height / 2) {
        out.push({ what: name(el), text: text.slice(Math.max(0, i - 30), i) + '|' + text.slice(i, i + 30), why: 'a word broken mid-word (the line ends at the |, between two letters or digits)' });
        break;
      }
      before = r;
    }
  }
  return out;
})()`;

/**
 * Every element of the page as it is now whose content is cut off without a way to read it, every
 * chart label outside its chart, and every word broken in the middle.
 */
export async function clippedText(page: Page): Promise<Clipped[]> {
  return [
    ...((await page.evaluate(FIND_CLIPPED)) as Clipped[]),
    ...((await page.evaluate(FIND_SVG_OUTSIDE)) as Clipped[]),
    ...((await page.evaluate(FIND_BROKEN_WORDS)) as Clipped[]),
  ];
}

/**
 * Photographs the page at 1280 and 390 px into test-results/screenshots/NAME-WIDTH.png and fails when
 * anything on it is clipped, or a word broken mid-word, at either width; ends at 1280 px.
 */
export async function photograph(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const problems: string[] = [];
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size.width}.png`), fullPage: true });
    for (const c of await clippedText(page)) problems.push(`${size.width} px: ${c.what} "${c.text}": ${c.why}`);
  }
  await page.setViewportSize(WIDTHS[0]);
  expect(problems, `clipped text on the ${name} page`).toEqual([]);
}
