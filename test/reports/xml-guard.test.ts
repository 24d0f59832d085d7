import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { XmlGuard } from '../../src/reports/xml-guard.js';

/** Filters `chunks` through a guard with a small budget. */
function guard(chunks: string[], budget = 10): string {
  const g = new XmlGuard(budget);
  return chunks.map((c) => g.filter(c)).join('');
}

/** The text saxes reads from a document: it must stay well-formed after the guard. */
function parse(xml: string): string[] {
  const texts: string[] = [];
  const parser = new SaxesParser();
  parser.on('text', (t) => texts.push(t));
  parser.on('cdata', (t) => texts.push(t));
  parser.write(xml).close();
  return texts;
}

describe('XmlGuard', () => {
  it('passes documents within budget through unchanged, whatever the chunking', () => {
    const xml = '<?xml version="1.0"?><!-- hi --><a b="1&amp;2"><![CDATA[x]]>t&lt;</a>';
    expect(guard([xml], 100)).toBe(xml);
    expect(guard([...xml], 100)).toBe(xml);
  });

  it('cuts a long text run and keeps the document well-formed', () => {
    const out = guard(['<a>', 'y'.repeat(50), '</a>']);
    expect(out).toBe(`<a>${'y'.repeat(10)}</a>`);
    expect(parse(out)).toEqual(['y'.repeat(10)]);
  });

  it('never cuts inside an entity reference, even across chunks', () => {
    expect(guard(['<a>123456789&amp;xyz</a>'])).toBe('<a>123456789&amp;</a>');
    expect(guard(['<a>12345678&a', 'mp;xyz</a>'])).toBe('<a>12345678&amp;</a>');
    expect(parse(guard(['<a>12345678&a', 'mp;xyz</a>']))).toEqual(['12345678&']);
  });

  it('never splits a surrogate pair', () => {
    const out = guard(['<a>123456789😀😀</a>']);
    expect(out).toBe('<a>123456789</a>');
  });

  it('cuts attribute values, CDATA, comments and processing instructions, closing each', () => {
    const xml = `<a v="${'v'.repeat(30)}"><![CDATA[${'c'.repeat(30)}]]><!--${'-x'.repeat(15)}--><?pi ${'p'.repeat(30)}?></a>`;
    const out = guard([xml]);
    expect(out).toBe(
      `<a v="${'v'.repeat(10)}"><![CDATA[${'c'.repeat(10)}]]><!--${'-x'.repeat(5)} --><?pi ${'p'.repeat(7)}?></a>`,
    );
    expect(parse(out)).toEqual([`${'c'.repeat(10)}`]);
  });

  it('finds a section terminator split across chunks while dropping', () => {
    const out = guard(['<a><![CDATA[', 'c'.repeat(30), ']', ']', '>tail</a>']);
    expect(out).toBe(`<a><![CDATA[${'c'.repeat(10)}]]>tail</a>`);
    expect(parse(out)).toEqual(['c'.repeat(10), 'tail']);
  });

  it('refuses a DOCTYPE, even split across chunks, with its line', () => {
    expect(() => guard(['<?xml version="1.0"?>\n<!DOC', 'TYPE x [<!ENTITY a "b">]><x/>'], 100)).toThrow(
      /^line 2: DOCTYPE and other <! declarations are not allowed/,
    );
  });

  it('refuses element markup longer than the budget', () => {
    expect(() => guard([`<a ${'b'.repeat(20)}="1"/>`])).toThrow(/element markup longer than 10 characters/);
  });
});
