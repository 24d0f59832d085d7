import { describe, expect, it } from 'vitest';
import { mediaType, showsInline } from '../../src/domain/media-type.js';
import { contentDisposition } from '../../src/server/download-headers.js';

describe('media types of artifacts', () => {
  it('accepts type/subtype with parameters, in lower case, and nothing else', () => {
    expect(mediaType('Image/PNG')).toBe('image/png');
    expect(mediaType('text/plain; charset="utf-8"')).toBe('text/plain; charset="utf-8"');
    expect(mediaType('application/vnd.api+json;v=2')).toBe('application/vnd.api+json;v=2');
    for (const bad of [
      'text/html\r\nset-cookie: a=b',
      'image/png\n',
      'text',
      'a/b/c',
      'a/b; c',
      'a/b; c="d',
      'ü/x',
      'text/html\u0000',
      '',
    ]) {
      expect(mediaType(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('shows only pictures and videos inline, never what can script', () => {
    for (const t of ['image/png', 'image/jpeg; q=1', 'video/webm']) expect(showsInline(t), t).toBe(true);
    for (const t of [
      'image/svg+xml',
      'text/html',
      'application/xhtml+xml',
      'application/xml',
      'text/xml',
      'application/pdf',
      'text/plain',
    ])
      expect(showsInline(t), t).toBe(false);
  });
});

describe('Content-Disposition', () => {
  it('gives an ASCII fallback and the exact name in filename*', () => {
    expect(contentDisposition('attachment', 'ログ.png')).toBe(
      `attachment; filename="__.png"; filename*=UTF-8''%E3%83%AD%E3%82%B0.png`,
    );
    expect(contentDisposition('inline', `a"b\\c (1)*'.txt`)).toBe(
      `inline; filename="a_b_c (1)*'.txt"; filename*=UTF-8''a%22b%5Cc%20%281%29%2A%27.txt`,
    );
    // Half an emoji still makes a valid header (U+FFFD).
    expect(contentDisposition('attachment', '\ud83d.txt')).toBe(
      `attachment; filename="_.txt"; filename*=UTF-8''%EF%BF%BD.txt`,
    );
  });
});
