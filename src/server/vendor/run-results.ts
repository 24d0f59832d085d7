import type { Kysely } from 'kysely';
import type { ResultRow } from '../../protocol/api.js';
import { listResultViews } from '../../storage/run-views.js';
import type { Database } from '../../storage/schema.js';

/** Every result row of a run, page by page. */
export async function allResults(db: Kysely<Database>, runId: number): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  let afterId: number | undefined;
  for (;;) {
    const page = await listResultViews(db, runId, { limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
    rows.push(...page.items);
    if (!page.next_cursor) return rows;
    afterId = page.items[page.items.length - 1]!.id;
  }
}
