import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Query strings, path parameters and headers arrive as text, so their validator coerces (`limit=2`
 * becomes 2); bodies arrive as JSON, so theirs does not: `"build": 42` is a mistake to name, not a
 * value to convert.
 */
function makeAjv(coerce: boolean): Ajv {
  const opts: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false, coerceTypes: coerce ? 'array' : false };
  const ajv = new Ajv(opts);
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const text = makeAjv(true);
  const json = makeAjv(false);
  return ({ schema, httpPart }) => (httpPart === 'body' ? json : text).compile(schema as object);
}
