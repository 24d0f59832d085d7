import { sliceWhole } from '../domain/text-cap.js';
import { ServerError, type AgentClient } from './http-client.js';
import { StreamMasker } from './stream-masker.js';

const CHUNK_CHARS = 64 * 1024;

/**
 * Streams a job's output to the server while it runs: masked (secrets never leave the agent),
 * batched every `flushMs` or `CHUNK_CHARS`, one request in flight, in order. A chunk the server
 * already has (a retry after a lost answer) is skipped from the offset the server names; once the
 * lease is lost, shipping stops.
 */
export class LogShipper {
  private readonly masker: StreamMasker;
  private buffer = '';
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly client: AgentClient,
    private readonly jobId: number,
    private readonly leaseToken: string,
    secrets: readonly string[],
    private readonly flushMs = 500,
  ) {
    this.masker = new StreamMasker(secrets);
  }

  write(chunk: string): void {
    if (this.stopped) return;
    this.buffer += this.masker.push(chunk);
    if (this.buffer.length >= CHUNK_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Ships everything, including what the masker held back; resolves when the server has it. */
  async end(): Promise<void> {
    this.buffer += this.masker.end();
    this.flush(true);
    await this.inFlight;
  }

  private flush(final = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0 && !this.stopped) {
      // Chunks end between whole characters: the server stores each chunk on its own, and half of
      // an emoji alone is a lone surrogate, stored as its escape. The other half comes next.
      let data = sliceWhole(this.buffer, CHUNK_CHARS);
      if (!final && data.length === this.buffer.length && isHighSurrogate(data.charCodeAt(data.length - 1)))
        data = data.slice(0, -1);
      if (data.length === 0) break;
      this.buffer = this.buffer.slice(data.length);
      this.inFlight = this.inFlight.then(() => this.send(data));
    }
  }

  private async send(data: string): Promise<void> {
    if (this.stopped) return;
    try {
      const res = await this.client.appendLog(this.jobId, { lease_token: this.leaseToken, offset: this.offset, data });
      this.offset = res.next_offset;
    } catch (e) {
      const expected = (e as ServerError).details as { expected_offset?: number } | undefined;
      if (
        e instanceof ServerError &&
        e.code === 'CONFLICT' &&
        typeof expected?.expected_offset === 'number' &&
        expected.expected_offset > this.offset
      ) {
        // The server has (part of) this chunk already: send only what it lacks.
        const have = expected.expected_offset - this.offset;
        this.offset = expected.expected_offset;
        if (have < data.length) await this.send(data.slice(have));
        return;
      }
      // Lease lost, or the server unreachable beyond the client's retries: the log stops here.
      this.stopped = true;
    }
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
