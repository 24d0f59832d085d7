import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Query strings, path parameters and headers arrive as text, so their validator coerces (`limit=2`
 * becomes 2); bodies arrive as JSON, so theirs does not: `"build": 42` is a mistake to name, not a
 * value to convert.
 */
function makeAjv(coerce: boolean): Ajv {
  // verbose: an error carries its schema, so an unknown parameter can be answered with the known ones.
  const opts: Options = {
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    verbose: true,
    coerceTypes: coerce ? 'array' : false,
  };
  const ajv = new Ajv(opts);
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const NO_PARAMETERS = { type: 'object', properties: {}, additionalProperties: false } as const;

/**
 * A native route that names no query parameters takes none: `?limit=5` on a route without paging
 * is a 400 saying so, not silently ignored. Compatibility routes (tagged `compat: …`) take what the
 * vendors' clients send, and the dashboard's files whatever a browser adds.
 */
export function strictQueries(route: {
  schema?: { querystring?: unknown; tags?: readonly string[] };
  config?: { auth?: string };
}): void {
  if (route.config?.auth === 'public') return;
  if (route.schema?.tags?.some((t) => t.startsWith('compat:'))) return;
  if (route.schema && route.schema.querystring === undefined) route.schema.querystring = NO_PARAMETERS;
}

/**
 * Compiles each route's validator when a request first needs it, not at start-up: compiling the
 * schemas of every route took a fifth of `proctor serve`'s start (about 180 ms here), mostly for
 * routes a server never sees. Fastify reads `errors` off the function it was given.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const text = makeAjv(true);
  const json = makeAjv(false);
  return ({ schema, httpPart }) => {
    let compiled: ValidateFunction | undefined;
    const validate = (data: unknown): boolean => {
      compiled ??= (httpPart === 'body' ? json : text).compile(schema as object);
      const valid = compiled(data) as boolean;
      validate.errors = compiled.errors;
      return valid;
    };
    validate.errors = null as ValidateFunction['errors'];
    return validate;
  };
}
