import type { Orm } from '../db/orm.js';
import type { Messaging } from '../events/messaging.js';
import type { Logger } from '../logger.js';
import { registerMessagingMetrics } from '../metrics/messaging-metrics.js';
import type { SubgraphServer } from './subgraph-server.js';

/** A subgraph built but not listening: what `main.ts`, `npm start` and tests all hold. */
export interface SubgraphApp {
  name: string;
  db: Orm;
  logger: Logger;
  server: SubgraphServer;
  /** The service's outbox relay and consumers, when it has any. */
  messaging?: Messaging;
  /** Listens on the configured host and port; resolves with the bound port. */
  start(): Promise<number>;
  /**
   * Stops accepting and drains HTTP (in-flight requests finish and commit), then the workers, last
   * started first: consumers finish the messages in hand, the outbox relay publishes what those
   * requests and messages committed, NATS drains; the ORM closes last.
   */
  stop(): Promise<void>;
}

export interface SubgraphAppParts {
  name: string;
  host: string;
  port: number;
  db: Orm;
  logger: Logger;
  server: SubgraphServer;
  messaging?: Messaging;
  /** Started after the server listens, stopped (in reverse) after it stops: consumers, relays… */
  workers?: { start(): Promise<void>; stop(): Promise<void> }[];
}

export function assembleSubgraphApp(parts: SubgraphAppParts): SubgraphApp {
  const workers = [...(parts.workers ?? []), ...(parts.messaging ? [parts.messaging] : [])];
  if (parts.messaging) registerMessagingMetrics(parts.server.metrics, parts.messaging, parts.logger);
  return {
    name: parts.name,
    db: parts.db,
    logger: parts.logger,
    server: parts.server,
    messaging: parts.messaging,
    async start() {
      const port = await parts.server.listen(parts.port, parts.host);
      for (const w of workers) await w.start();
      return port;
    },
    async stop() {
      await parts.server.stop();
      for (const w of [...workers].reverse()) await w.stop();
      await parts.db.orm.close();
    },
  };
}
