import pg from 'pg';

const CHANNEL = 'proctor_jobs';

/**
 * Tells every server replica on one PostgreSQL that a job may have become claimable, so agents
 * long-polling on any replica are answered at once (LISTEN/NOTIFY). SQLite has one server process,
 * which needs nothing of this: `create` returns null there.
 */
export interface JobNotifier {
  /** Announces a change; calls within one tick are coalesced into one NOTIFY. */
  publish(): void;
  close(): Promise<void>;
}

export async function createJobNotifier(
  databaseUrl: string | undefined,
  onNotify: () => void,
  onError: (e: unknown) => void,
): Promise<JobNotifier | null> {
  if (!databaseUrl) return null;
  const listener = new pg.Client({ connectionString: databaseUrl });
  const sender = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([listener.connect(), sender.connect()]);
  // This process already woke its own claimers when it published: skip the echo of its NOTIFY.
  const self = (await sender.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  listener.on('notification', (msg) => {
    if (msg.channel === CHANNEL && msg.processId !== self) onNotify();
  });
  listener.on('error', onError);
  sender.on('error', onError);
  await listener.query(`LISTEN ${CHANNEL}`);
  let pending = false;
  return {
    publish() {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        sender.query(`NOTIFY ${CHANNEL}`).catch(onError);
      });
    },
    async close() {
      await Promise.allSettled([listener.end(), sender.end()]);
    },
  };
}
