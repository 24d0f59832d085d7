import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/storage/database.js';
import { prepared } from '../../src/storage/prepared.js';
import { describeEachDialect, dropTarget, freshTarget, type DialectTarget } from '../support/dialects.js';

const byNameAndIds = prepared((db, v: { name: string; ids: number[] }) =>
  db
    .selectFrom('projects')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('name', '=', v.name), eb('id', 'in', v.ids)]))
    .orderBy('id'),
);
const rename = prepared((db, v: { id: number; name: string }) =>
  db.updateTable('projects').set({ name: v.name }).where('id', '=', v.id),
);

describeEachDialect('prepared statements', (dialect) => {
  let target: DialectTarget;
  let store: Store;
  const ids: number[] = [];
  beforeAll(async () => {
    target = freshTarget(dialect);
    store = await openStore({
      databaseUrl: target.databaseUrl,
      dataDir: target.dataDir,
      ...(target.schema ? { schema: target.schema } : {}),
    });
    for (const name of ['a', 'b', 'c', 'd'])
      ids.push(
        (
          await store.db
            .insertInto('projects')
            .values({ name, created_at: 1 })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
  });
  afterAll(async () => {
    await store?.close();
    if (target) await dropTarget(target);
  });

  it('runs each call with its own values, also lists of a length compiled before', async () => {
    const names = async (name: string, list: number[]) =>
      (await byNameAndIds.all(store.db, store.cap, { name, ids: list })).map((r) => r.name);
    expect(await names('a', [ids[1]!])).toEqual(['a', 'b']);
    // Same shape (one id), other values: nothing of the first call may stick.
    expect(await names('c', [ids[3]!])).toEqual(['c', 'd']);
    // Another list length compiles its own shape.
    expect(await names('zz', [ids[0]!, ids[2]!, ids[3]!])).toEqual(['a', 'c', 'd']);
    expect(await names('b', [ids[0]!])).toEqual(['a', 'b']);
  });

  it('counts changed rows and runs inside a transaction', async () => {
    await store.db.transaction().execute(async (trx) => {
      expect(await rename.affected(trx, store.cap, { id: ids[0]!, name: 'renamed' })).toBe(1);
      expect(await rename.affected(trx, store.cap, { id: -1, name: 'nobody' })).toBe(0);
    });
    expect((await byNameAndIds.first(store.db, store.cap, { name: 'renamed', ids: [-1] }))?.id).toBe(ids[0]);
  });
});
