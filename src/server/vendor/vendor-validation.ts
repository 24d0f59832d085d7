import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { Type, type TSchema, type Static } from 'typebox';

/**
 * Vendor routes validate with type coercion everywhere, bodies included: their clients send
 * `"executionId": "274"` where the document shows 274 and `"buildNo": 202612040053` where it shows
 * a string, and both mean the same. A value that cannot be read as the type (`"abc"` for an id)
 * is still refused. Unknown fields are left alone (the vendors' own servers ignore them).
 */
export function vendorValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    coerceTypes: 'array',
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ({ schema, httpPart }) => {
    const validate = ajv.compile(schema as object);
    if (httpPart !== 'body') return validate;
    // No body at all (Fastify hands it over as null) is the documented empty request:
    // TesterArmy's `{}`, a trigger with no options. It is validated, and handed on, as an empty
    // object (or list), so a required field is still named.
    const empty = () => ((schema as { type?: string }).type === 'array' ? [] : {});
    const orEmpty = ((data: unknown, ctx?: { parentData: Record<string, unknown>; parentDataProperty: string }) => {
      let value = data;
      if (value === null || value === undefined) {
        value = empty();
        if (ctx) ctx.parentData[ctx.parentDataProperty] = value;
      }
      const ok = validate(value, ctx as never);
      orEmpty.errors = validate.errors ?? null;
      return ok;
    }) as ((data: unknown) => boolean) & { errors: typeof validate.errors; schemaEnv: unknown };
    // Fastify passes the request as the parent (and lets Ajv coerce the root) only to a
    // validator that has one.
    orEmpty.schemaEnv = validate.schemaEnv;
    return orEmpty;
  };
}

/**
 * `T` or null. Written as a type list, not an `anyOf`, so coercion leaves a JSON null a null
 * instead of turning it into 0 or "".
 */
export function OrNull<T extends TSchema>(schema: T) {
  const { type } = schema as { type?: string };
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};
const FORMAT_WORDS: Record<string, string> = {
  uuid: 'a UUID',
  uri: 'a URL',
  'date-time': 'a date-time like 2025-01-31T12:00:00Z',
  email: 'an email address',
};
const WHERE: Record<string, string> = {
  body: 'the body',
  querystring: 'the query string',
  params: 'the path',
  headers: 'the headers',
};

/** `/scenarioEnvironmentPairs/0/scenarioId` as `scenarioEnvironmentPairs[0].scenarioId`. */
function field(pointer: string, context: string, child?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  if (parts.length === 0) return WHERE[context] ?? context;
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function sentence(e: ErrorObject, context: string): string {
  const p = e.params as Record<string, unknown>;
  const at = field(e.instancePath, context);
  switch (e.keyword) {
    case 'required':
      return `${field(e.instancePath, context, String(p.missingProperty))} is required`;
    case 'type':
      return `${at} must be ${String(p.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ')}`;
    case 'enum':
      return `${at} must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `${at} must be ${String(p.allowedValue)}`;
    case 'format':
      return `${at} must be ${FORMAT_WORDS[String(p.format)] ?? `in the ${String(p.format)} format`}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${at} must be ${e.keyword === 'minimum' ? 'at least' : 'more than'} ${String(p.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${at} must be ${e.keyword === 'maximum' ? 'at most' : 'less than'} ${String(p.limit)}`;
    case 'minLength':
      return `${at} must not be empty`;
    case 'maxLength':
      return `${at} must be at most ${String(p.limit)} characters long`;
    case 'minItems':
      return `${at} must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${at} must have at most ${String(p.limit)} items`;
    case 'maxProperties':
      return `${at} must have at most ${String(p.limit)} fields`;
    case 'pattern':
      return `${at} is not in the expected form`;
    case 'additionalProperties':
      return `${at} has a field this API does not know: ${String(p.additionalProperty)}`;
    default:
      return `${at} is not valid`;
  }
}

/**
 * The schema validator's findings as sentences a person reads in a CI log (`platform must be one
 * of web, ios, android`), once each, in the order found.
 */
export function validationSentences(errors: readonly ErrorObject[], context: string): string {
  // An anyOf adds one finding per branch and then its own; the branches say more.
  const useful = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const out = [...new Set((useful.length ? useful : errors).map((e) => sentence(e, context)))];
  return out.join('; ');
}
