/** How many characters of one text run, attribute value, comment or CDATA section reach the parser. */
export const DEFAULT_RUN_BUDGET = 1024 * 1024;

type State = 'text' | 'open' | 'tag' | 'quoted' | 'comment' | 'cdata' | 'pi';
type Section = 'comment' | 'cdata' | 'pi';

const TERMINATOR: Record<Section, string> = { comment: '-->', cdata: ']]>', pi: '?>' };
// A cut comment is closed with a leading space: content ending in "-" before "-->" is not XML.
const CLOSING: Record<Section, string> = { comment: ' -->', cdata: ']]>', pi: '?>' };

/**
 * A filter in front of the XML parser. saxes holds a whole text node, CDATA section, comment or
 * attribute value in one string until it ends, so a report with 300 MB of system-out in one
 * element would be held whole. The guard cuts each such run to `budget` characters (the reader
 * caps further) and keeps the markup intact, so the document stays well-formed.
 *
 * It also refuses any `<!` declaration other than a comment or CDATA: a DOCTYPE can declare
 * entities that expand exponentially ("billion laughs"), and no JUnit report needs one.
 */
export class XmlGuard {
  #state: State = 'text';
  #run = 0;
  #dropping = false;
  // Kept text ends inside an entity reference (`&am`): cutting there would break the document.
  #entityOpen = false;
  #quote = '';
  #pending = '';
  // The last characters of the current section, to find its terminator across chunk boundaries.
  #tail = '';
  #line = 1;

  constructor(readonly budget: number = DEFAULT_RUN_BUDGET) {}

  /** Filters one chunk of the document. Throws on a declaration or an overlong tag. */
  filter(chunk: string): string {
    const out: string[] = [];
    let i = 0;
    while (i < chunk.length) i = this.#step(chunk, i, out);
    this.#line += countNewlines(chunk, chunk.length);
    return out.join('');
  }

  #step(chunk: string, i: number, out: string[]): number {
    switch (this.#state) {
      case 'text':
        return this.#text(chunk, i, out);
      case 'open':
        return this.#open(chunk, i, out);
      case 'tag':
        return this.#tag(chunk, i, out);
      case 'quoted':
        return this.#quoted(chunk, i, out);
      default:
        return this.#section(this.#state, chunk, i, out);
    }
  }

  #text(chunk: string, i: number, out: string[]): number {
    const lt = chunk.indexOf('<', i);
    this.#keep(chunk.slice(i, lt === -1 ? chunk.length : lt), out, true);
    if (lt === -1) return chunk.length;
    out.push('<');
    this.#enter('open');
    return lt + 1;
  }

  #open(chunk: string, i: number, out: string[]): number {
    const c = chunk[i] as string;
    if (this.#pending === '' && c === '?') {
      out.push(c);
      this.#enter('pi');
      return i + 1;
    }
    if (this.#pending === '' && c !== '!') {
      this.#enter('tag');
      return i;
    }
    const pending = this.#pending + c;
    if (pending === '!--' || pending === '![CDATA[') {
      out.push(pending);
      this.#enter(pending === '!--' ? 'comment' : 'cdata');
    } else if ('!--'.startsWith(pending) || '![CDATA['.startsWith(pending)) {
      this.#pending = pending;
    } else {
      const line = this.#line + countNewlines(chunk, i);
      throw new Error(
        `line ${line}: DOCTYPE and other <! declarations are not allowed in a report (entity expansion risk)`,
      );
    }
    return i + 1;
  }

  #tag(chunk: string, i: number, out: string[]): number {
    const stop = /["'>]/g;
    stop.lastIndex = i;
    const found = stop.exec(chunk);
    const end = found === null ? chunk.length : found.index;
    this.#run += end - i;
    if (this.#run > this.budget) {
      const line = this.#line + countNewlines(chunk, i);
      throw new Error(`line ${line}: element markup longer than ${this.budget} characters`);
    }
    out.push(chunk.slice(i, end));
    if (found === null) return end;
    const c = found[0];
    out.push(c);
    if (c === '>') {
      this.#enter('text');
    } else {
      this.#enter('quoted');
      this.#quote = c;
    }
    return end + 1;
  }

  #quoted(chunk: string, i: number, out: string[]): number {
    const close = chunk.indexOf(this.#quote, i);
    this.#keep(chunk.slice(i, close === -1 ? chunk.length : close), out, true);
    if (close === -1) return chunk.length;
    out.push(this.#quote);
    this.#enter('tag');
    return close + 1;
  }

  #section(section: Section, chunk: string, i: number, out: string[]): number {
    const terminator = TERMINATOR[section];
    const end = findTerminatorEnd(chunk, i, terminator, this.#tail);
    const segment = chunk.slice(i, end === -1 ? chunk.length : end);
    if (end === -1) {
      this.#keep(segment, out, false);
      this.#tail = (this.#tail + segment).slice(1 - terminator.length);
      return chunk.length;
    }
    if (!this.#dropping && this.#run + segment.length <= this.budget) {
      out.push(segment);
    } else {
      this.#keep(segment, out, false);
      out.push(CLOSING[section]);
    }
    this.#enter('text');
    return end;
  }

  /** Emits as much of a run as the budget allows; `entities` keeps a cut out of `&…;`. */
  #keep(segment: string, out: string[], entities: boolean): void {
    if (this.#dropping || segment.length === 0) return;
    const room = this.budget - this.#run;
    if (segment.length <= room) {
      out.push(segment);
      this.#run += segment.length;
      if (entities) this.#entityOpen = endsInsideEntity(segment, segment.length, this.#entityOpen);
      return;
    }
    const open = entities && endsInsideEntity(segment, room, this.#entityOpen);
    if (open) {
      const semicolon = segment.indexOf(';', room);
      if (semicolon === -1) {
        // The entity goes on into the next chunk; keep going until it closes.
        out.push(segment);
        this.#run += segment.length;
        return;
      }
      out.push(segment.slice(0, semicolon + 1));
    } else {
      out.push(segment.slice(0, isHighSurrogate(segment.charCodeAt(room - 1)) ? room - 1 : room));
    }
    this.#dropping = true;
  }

  #enter(state: State): void {
    this.#state = state;
    this.#run = 0;
    this.#dropping = false;
    this.#entityOpen = false;
    this.#pending = '';
    this.#tail = '';
  }
}

/** Index just past the terminator in `chunk`, or -1; `tail` holds the section's previous characters. */
function findTerminatorEnd(chunk: string, i: number, terminator: string, tail: string): number {
  if (tail.length > 0) {
    const head = tail + chunk.slice(i, i + terminator.length - 1);
    const k = head.indexOf(terminator);
    if (k !== -1) return i + k + terminator.length - tail.length;
  }
  const k = chunk.indexOf(terminator, i);
  return k === -1 ? -1 : k + terminator.length;
}

function endsInsideEntity(text: string, end: number, openBefore: boolean): boolean {
  if (end <= 0) return openBefore;
  const amp = text.lastIndexOf('&', end - 1);
  const semicolon = text.lastIndexOf(';', end - 1);
  if (amp === -1 && semicolon === -1) return openBefore;
  return amp > semicolon;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
