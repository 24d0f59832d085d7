/**
 * Where free text enters a route, read from the route's own schemas (TypeBox is JSON Schema), and
 * which of those places a request put text in. A test that sends hostile strings uses both: the
 * first lists what must be sent them, the second records what was.
 *
 * A field is named by where it is: `params.plan`, `query.project`, `body.name`, `body.labels[]` (an
 * item of a list), `body.variables{}` (the names of a mapping) and `body.variables.*` (its values).
 * A field whose schema says nothing (`Type.Unknown()`, or a body the route reads by hand) takes any
 * text anywhere beneath it: it is one field, and every string under it counts as sent to it.
 */

/** What Fastify's `onRoute` hook gives of a route, as far as this module reads it. */
export interface RouteShape {
  method: string;
  url: string;
  schema?: { params?: unknown; querystring?: unknown; body?: unknown } | undefined;
}

type Schema = Record<string, unknown> | undefined;

/** A value of any shape (text included): no schema, or one without a type. */
function isAny(s: Schema): boolean {
  if (!s) return true;
  return (
    s.type === undefined &&
    s.anyOf === undefined &&
    s.oneOf === undefined &&
    s.allOf === undefined &&
    s.const === undefined &&
    s.enum === undefined &&
    s.properties === undefined &&
    s.patternProperties === undefined &&
    s.items === undefined
  );
}

/**
 * A string the schema leaves free: not a closed set, not held to a pattern (validation refuses
 * anything else before the handler runs). A `format` is no such guard: it is only checked where
 * the validator knows it.
 */
function isFreeString(s: Record<string, unknown>): boolean {
  const types = [s.type].flat();
  return types.includes('string') && s.pattern === undefined && s.enum === undefined;
}

/** Record keys a pattern leaves free: TypeBox's `Type.Record(Type.String(), …)` writes `^.*$`. */
const FREE_KEYS = new Set(['^.*$', '^(.*)$', '.*']);

function branches(s: Record<string, unknown>): Schema[] {
  return [...((s.anyOf as Schema[]) ?? []), ...((s.oneOf as Schema[]) ?? []), ...((s.allOf as Schema[]) ?? [])];
}

/** Text fields found so far, each with the longest text its schema lets through (Infinity: no limit). */
type Found = Map<string, number>;

function add(out: Found, at: string, maxLength: unknown): void {
  const limit = typeof maxLength === 'number' ? maxLength : Number.POSITIVE_INFINITY;
  out.set(at, Math.max(out.get(at) ?? 0, limit));
}

function walkFields(s: Schema, at: string, out: Found): void {
  if (isAny(s)) {
    add(out, at, undefined);
    return;
  }
  const schema = s!;
  for (const b of branches(schema)) walkFields(b, at, out);
  if (schema.const !== undefined) return;
  if (isFreeString(schema)) add(out, at, schema.maxLength);
  for (const [k, v] of Object.entries((schema.properties as Record<string, Schema>) ?? {}))
    walkFields(v, `${at}.${k}`, out);
  // A record's names: the key schema's limit is not kept in the JSON Schema TypeBox writes.
  for (const [pattern, v] of Object.entries((schema.patternProperties as Record<string, Schema>) ?? {})) {
    if (FREE_KEYS.has(pattern)) add(out, `${at}{}`, undefined);
    walkFields(v, `${at}.*`, out);
  }
  if (typeof schema.additionalProperties === 'object') {
    add(out, `${at}{}`, undefined);
    walkFields(schema.additionalProperties as Schema, `${at}.*`, out);
  }
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items))
    walkFields(schema.items as Schema, `${at}[]`, out);
}

/** The names of a route's path parameters (`:plan`, and `*` for a wildcard). */
export function pathParams(url: string): string[] {
  return url
    .split('/')
    .filter((seg) => seg.startsWith(':') || seg === '*')
    .map((seg) => (seg === '*' ? '*' : seg.slice(1)));
}

/**
 * The text fields of a route. `bodySchema` stands for the body's when the route reads it by hand (a plan
 * document has no TypeBox schema: `domain/plan-file.ts` validates it).
 */
export function textFields(route: RouteShape, bodySchema?: unknown): string[] {
  return [...textFieldLimits(route, bodySchema).keys()].sort();
}

/** The text fields of a route, each with the longest text its schema takes (Infinity: no limit but the body's). */
export function textFieldLimits(route: RouteShape, bodySchema?: unknown): Map<string, number> {
  const out: Found = new Map();
  const params = route.schema?.params as Schema;
  for (const name of pathParams(route.url)) {
    const p = (params?.properties as Record<string, Schema> | undefined)?.[name];
    if (!p || isAny(p) || isFreeString(p)) add(out, `params.${name}`, p?.maxLength);
  }
  const query = route.schema?.querystring as Schema;
  if (query)
    for (const [k, v] of Object.entries((query.properties as Record<string, Schema>) ?? {}))
      walkFields(v, `query.${k}`, out);
  const body = (bodySchema ?? route.schema?.body) as Schema;
  if (body) walkFields(body, 'body', out);
  return out;
}

/** Properties of an object schema, merged over the branches of a union. */
function propertiesOf(s: Schema): Record<string, Schema> {
  if (!s) return {};
  let out = { ...((s.properties as Record<string, Schema>) ?? {}) };
  for (const b of branches(s)) out = { ...propertiesOf(b), ...out };
  return out;
}

/** The schema of a mapping's values (a record's, or `additionalProperties`), if it is one. */
function valuesOf(s: Schema): Schema | null {
  if (!s) return null;
  const patterned = Object.values((s.patternProperties as Record<string, Schema>) ?? {});
  if (patterned.length > 0) return patterned[0];
  if (typeof s.additionalProperties === 'object') return s.additionalProperties as Schema;
  for (const b of branches(s)) {
    const v = valuesOf(b);
    if (v) return v;
  }
  return null;
}

function itemsOf(s: Schema): Schema {
  if (!s) return undefined;
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) return s.items as Schema;
  for (const b of branches(s)) {
    const i = itemsOf(b);
    if (i) return i;
  }
  return undefined;
}

function collect(s: Schema, v: unknown, at: string, out: [string, string][]): void {
  if (typeof v === 'string') {
    out.push([at, v]);
    return;
  }
  if (Array.isArray(v)) {
    // Under a field that takes anything, an item is that field's text too.
    for (const x of v) collect(isAny(s) ? s : itemsOf(s), x, isAny(s) ? at : `${at}[]`, out);
    return;
  }
  if (!v || typeof v !== 'object') return;
  const props = propertiesOf(s);
  for (const [k, x] of Object.entries(v)) {
    if (isAny(s)) {
      out.push([at, k]);
      collect(s, x, at, out);
    } else if (Object.hasOwn(props, k)) collect(props[k], x, `${at}.${k}`, out);
    else {
      out.push([`${at}{}`, k]);
      collect(valuesOf(s) ?? undefined, x, `${at}.*`, out);
    }
  }
}

/**
 * `%XX` escapes as the server reads them, lone surrogates included: a test sends one as the three
 * bytes it would have in CESU-8 (not UTF-8, which has none), and this reads them back as the surrogate.
 */
export function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    const bytes = Buffer.from(
      text.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    );
    let out = '';
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i]!;
      if (b < 0x80) {
        out += String.fromCharCode(b);
        i += 1;
      } else if (b >> 5 === 6) {
        out += String.fromCharCode(((b & 31) << 6) | (bytes[i + 1]! & 63));
        i += 2;
      } else if (b >> 4 === 14) {
        out += String.fromCharCode(((b & 15) << 12) | ((bytes[i + 1]! & 63) << 6) | (bytes[i + 2]! & 63));
        i += 3;
      } else {
        const cp = ((b & 7) << 18) | ((bytes[i + 1]! & 63) << 12) | ((bytes[i + 2]! & 63) << 6) | (bytes[i + 3]! & 63);
        out += String.fromCodePoint(cp);
        i += 4;
      }
    }
    return out;
  }
}

/**
 * The route among `routes` that serves `method path`: the one with the fewest parameters, as a
 * router prefers static segments.
 */
export function routeOf<R extends RouteShape>(routes: readonly R[], method: string, path: string): R | undefined {
  const segments = path.split('?')[0]!.split('/');
  let best: { route: R; params: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.url.split('/');
    const wildcard = pattern[pattern.length - 1] === '*';
    if (wildcard ? segments.length < pattern.length : segments.length !== pattern.length) continue;
    let params = 0;
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i]!;
      if (p === '*') params += 100;
      else if (p.startsWith(':')) params++;
      else ok = p === segments[i];
    }
    if (ok && (!best || params < best.params)) best = { route, params };
  }
  return best?.route;
}

/** The text a request put in each field of its route: `[field, text]`, a field once per string sent. */
export function sentText(route: RouteShape, path: string, body: unknown, bodySchema?: unknown): [string, string][] {
  const out: [string, string][] = [];
  const [pathname, query = ''] = path.split('?') as [string, string?];
  const pattern = route.url.split('/');
  const segments = pathname.split('/');
  pattern.forEach((p, i) => {
    if (p.startsWith(':')) out.push([`params.${p.slice(1)}`, decodePercent(segments[i] ?? '')]);
    else if (p === '*') out.push(['params.*', decodePercent(segments.slice(i).join('/'))]);
  });
  for (const pair of query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const name = decodePercent(eq < 0 ? pair : pair.slice(0, eq));
    out.push([`query.${name}`, decodePercent(eq < 0 ? '' : pair.slice(eq + 1))]);
  }
  if (body !== undefined && !Buffer.isBuffer(body))
    collect((bodySchema ?? route.schema?.body) as Schema, body, 'body', out);
  return out;
}
