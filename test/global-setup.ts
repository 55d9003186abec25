import { connect } from 'nats';
import { dropStaleTestDatabases } from '../lib/testing/test-databases.js';

const STALE_SECONDS = 3 * 3600;

/** Streams of test runs are named `T_<epoch s>_<random>_EVENTS|DLQ` (the run id, upper-cased). */
async function deleteStaleTestStreams(): Promise<string[]> {
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', timeout: 5000 });
  try {
    const jsm = await nc.jetstreamManager();
    const cutoff = Date.now() / 1000 - STALE_SECONDS;
    const stale: string[] = [];
    for await (const info of jsm.streams.list()) {
      const born = /^T_(\d+)_/.exec(info.config.name)?.[1];
      if (born && Number(born) < cutoff) stale.push(info.config.name);
    }
    for (const name of stale) await jsm.streams.delete(name);
    return stale;
  } finally {
    await nc.close();
  }
}

/** Before the suite: drop the databases and streams that crashed runs left behind (older than three hours). */
export default async function setup(): Promise<void> {
  const dropped = await dropStaleTestDatabases(STALE_SECONDS);
  if (dropped.length) console.log(`Dropped ${dropped.length} stale test database(s).`);
  const streams = await deleteStaleTestStreams();
  if (streams.length) console.log(`Deleted ${streams.length} stale test stream(s).`);
}
