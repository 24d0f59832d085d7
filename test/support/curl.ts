/**
 * Runs a curl command line as a vendor document prints it (continuation backslashes, single or
 * double quotes, -X/--request, -H/--header, -d/--data/--data-raw/--data-urlencode, --location).
 * Contract tests send the documents' own examples this way instead of retyping them.
 */
export interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** Splits a shell command line into words, honouring quotes and `\`-newline continuations. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  let quote: '"' | "'" | null = null;
  const text = line.replace(/\\\r?\n/g, ' ');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i]!;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur ??= '';
    } else if (/\s/.test(c)) {
      if (cur !== null) out.push(cur);
      cur = null;
    } else cur = (cur ?? '') + c;
  }
  if (quote) throw new Error(`unterminated ${quote} in curl line`);
  if (cur !== null) out.push(cur);
  return out;
}

/** Parses a curl line (its URL already pointing at the server under test). */
export function parseCurl(line: string): CurlRequest {
  const w = words(line);
  if (w[0] !== 'curl') throw new Error('not a curl line');
  const req: CurlRequest = { method: '', url: '', headers: {}, body: undefined };
  for (let i = 1; i < w.length; i++) {
    const a = w[i]!;
    if (a === '-X' || a === '--request') req.method = w[++i]!;
    else if (a === '-H' || a === '--header') {
      const h = w[++i]!;
      const colon = h.indexOf(':');
      req.headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (a === '-d' || a === '--data' || a === '--data-raw') req.body = w[++i]!;
    else if (a === '--data-urlencode') {
      // curl's `name=value` form: the value percent-encoded, the fields joined with `&`, a form's type.
      const field = w[++i]!;
      const eq = field.indexOf('=');
      const part =
        eq < 0 ? encodeURIComponent(field) : `${field.slice(0, eq)}=${encodeURIComponent(field.slice(eq + 1))}`;
      req.body = req.body === undefined ? part : `${req.body}&${part}`;
      req.headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (a === '--location' || a === '-L' || a === '-s') continue;
    else if (a.startsWith('-')) throw new Error(`curl option ${a} is not supported here`);
    else req.url = a;
  }
  req.method ||= req.body === undefined ? 'GET' : 'POST';
  return req;
}

/** Sends a parsed curl request and parses a JSON answer. */
export async function sendCurl(req: CurlRequest): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text so the assertion shows it
  }
  return { status: res.status, body, headers: res.headers };
}
