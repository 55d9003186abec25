import { dropStaleTestDatabases } from '../lib/testing/test-databases.js';

/** Before the suite: drop databases that crashed runs left behind (older than three hours). */
export default async function setup(): Promise<void> {
  const dropped = await dropStaleTestDatabases();
  if (dropped.length) console.log(`Dropped ${dropped.length} stale test database(s).`);
}
