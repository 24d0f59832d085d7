import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.js';

/**
 * The Android and iOS app a plan runs with when Testinium's API triggers it
 * (`PUT /Testinium.RestApi/api/plans/{id}/setAndroidMobileApp/{appId}`): one app build per plan and
 * operating system. No foreign key to `plans`: deleting a plan (which has no runs) leaves a row that
 * nothing reads, since plan ids are not reused.
 */
export async function up(db: Kysely<unknown>, cap: DialectCapabilities): Promise<void> {
  await db.schema
    .createTable('plan_mobile_apps')
    .addColumn('plan_id', 'bigint', (c) => c.notNull())
    .addColumn('os', 'varchar(10)', (c) => c.notNull())
    .addColumn('app_build_id', 'bigint', (c) => c.notNull().references('app_builds.id'))
    .addColumn('updated_at', cap.timeType, (c) => c.notNull())
    .addPrimaryKeyConstraint('plan_mobile_apps_pk', ['plan_id', 'os'])
    .execute();
}
