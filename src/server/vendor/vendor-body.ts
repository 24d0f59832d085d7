import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../protocol/errors.js';

// Media types whose body is read as JSON or as a form: what vendors' clients send, with every
// spelling of parameters (`application/json; UTF-8` from a Java client, `charset=utf-8`, none).
const JSON_TYPE = /^[\w.+-]+\/(?:[\w.-]+\+)?json\b/i;
const FORM_TYPES = /^(?:application\/x-www-form-urlencoded|text\/plain)\b/i;

/**
 * How a vendor scope reads request bodies, registered in that scope only (the native API keeps its
 * strict parsers):
 *
 * - JSON under any JSON media type, and also under `application/x-www-form-urlencoded`,
 *   `text/plain` or no type at all when the body looks like JSON: `curl -d '{…}'` without `-H`
 *   sends JSON labelled as a form;
 * - a real form (`a=1&b=2`, what `curl --data-urlencode` sends where a document shows a query
 *   string) as an object of strings, a repeated field as a list;
 * - an empty body, whatever its type, as no body: the documented empty trigger;
 * - anything else (XML, binary) is refused with 415.
 *
 * JSON goes through Fastify's own parser, so `__proto__` and `constructor.prototype` keys are
 * refused as everywhere else.
 */
export function registerVendorBodyParsers(scope: FastifyInstance): void {
  const json = scope.getDefaultJsonParser('error', 'error');
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string' }, (req: FastifyRequest, raw, done) => {
    const text = String(raw);
    const type = req.headers['content-type'] ?? '';
    if (text.trim() === '') return done(null, undefined);
    const looksJson = /^\s*[[{"]/.test(text);
    if (JSON_TYPE.test(type) || ((type === '' || FORM_TYPES.test(type)) && looksJson)) return json(req, text, done);
    if (type === '' || FORM_TYPES.test(type)) {
      try {
        return done(null, formFields(text));
      } catch (e) {
        return done(e as Error, undefined);
      }
    }
    done(
      new AppError('UNSUPPORTED_MEDIA_TYPE', `a body of type ${type.slice(0, 100)} cannot be read here: send JSON`),
      undefined,
    );
  });
}

/** `a=1&b=2&b=3` as `{ a: "1", b: ["2", "3"] }`; keys that would rewrite a prototype are refused. */
function formFields(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(text)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype')
      throw new AppError('MALFORMED_REQUEST', `the form field "${k}" is not allowed`);
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return { ...out };
}
