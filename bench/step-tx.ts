/**
 * What a consumed saga step costs the machine, run the two ways lib/events/consumer.ts can run it:
 *
 *   orm   a MikroORM transaction: BEGIN, the inbox row, the step's statements, COMMIT, each a
 *         round trip of its own (how every handler ran before lib/db/step-tx.ts);
 *   step  a step transaction: the same statements, in two round trips.
 *
 * The step is inventory's `order.placed` (reserveOrder: lock the products and read earlier
 * reservations, then write reservations, stock, movements and the event), on a database of its
 * own over the pool of one connection, so one Postgres backend does all the work and its CPU can
 * be read from /proc. Rounds alternate between the two ways; the figures are the medians.
 *
 *   npm run bench:step-tx -- [--steps 400] [--rounds 3]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { initOrm, migrate } from '../lib/db/orm.js';
import { dropDatabase } from '../lib/db/database.js';
import { runSql } from '../lib/db/sql.js';
import { StepTx } from '../lib/db/step-tx.js';
import { EVENTS, type EventData } from '../lib/events/contracts/index.js';
import type { EventEnvelope } from '../lib/events/envelope.js';
import { testDatabaseUrl } from '../lib/testing/test-databases.js';
import { ormOptions } from '../subgraphs/inventory/src/db.js';
import { createProduct } from '../subgraphs/inventory/src/services/catalog.service.js';
import { reserveOrder } from '../subgraphs/inventory/src/services/reservation.service.js';
import { exitWith } from './lib/exit-with.js';

const { values: flags } = parseArgs({ options: { steps: { type: 'string', default: '400' }, rounds: { type: 'string', default: '3' } } });
const STEPS = Number(flags.steps);
const ROUNDS = Number(flags.rounds);
const INBOX = 'insert into inbox_events (consumer, event_id, type, handled_at) values (?, ?, ?, now())';

/** CPU ms of a process so far, user and system, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
  const url = testDatabaseUrl('step_tx_bench');
  const db = await initOrm(ormOptions({ databaseUrl: url, createDatabase: true, dbPoolMax: 1 }));
  try {
    await migrate(db.orm);
    const em = () => db.orm.em.fork() as EntityManager;
    const [{ pid }] = await runSql<{ pid: number }>(em(), 'select pg_backend_pid() as pid');
    const products: string[] = [];
    for (let i = 0; i < 20; i++) {
      const p = await createProduct(em(), { sku: `BENCH-${i}`, name: `Bench ${i}`, priceCents: 1000, stockQuantity: 1_000_000 }, { requestId: 'bench' });
      products.push(p.id);
    }
    const placed = (i: number): EventEnvelope<EventData<'order.placed'>> => {
      const orderId = randomUUID();
      const lines = [products[i % 20], products[(i + 7) % 20]].map((productId) => ({ productId, quantity: 1, unitPriceCents: 1000 }));
      const data = EVENTS['order.placed'].schema.parse({
        orderId,
        customerId: randomUUID(),
        customerEmail: 'bench@example.test',
        customerName: 'Bench',
        lines,
        totalCents: 2000,
        paymentMethodId: randomUUID(),
      });
      return { id: randomUUID(), type: 'order.placed', occurredAt: new Date().toISOString(), aggregateId: orderId, correlationId: orderId, causationId: null, data };
    };

    const ways = {
      async orm(event: EventEnvelope<EventData<'order.placed'>>) {
        const fork = em();
        await fork.begin();
        try {
          await runSql(fork, INBOX, ['bench', event.id, event.type], 'run');
          await reserveOrder(fork, event);
          await fork.commit();
        } catch (err) {
          await fork.rollback();
          throw err;
        }
      },
      async step(event: EventEnvelope<EventData<'order.placed'>>) {
        await StepTx.run(db.orm, async (tx) => {
          tx.queue({ sql: INBOX, params: ['bench', event.id, event.type] });
          await reserveOrder(tx, event);
        });
      },
    };

    type Way = keyof typeof ways;
    const samples: Record<Way, { node: number[]; postgres: number[]; wall: number[] }> = {
      orm: { node: [], postgres: [], wall: [] },
      step: { node: [], postgres: [], wall: [] },
    };
    let n = 0;
    for (const way of ['orm', 'step'] as Way[]) for (let i = 0; i < 50; i++) await ways[way](placed(n++));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const way of (round % 2 ? ['orm', 'step'] : ['step', 'orm']) as Way[]) {
        const events = Array.from({ length: STEPS }, () => placed(n++));
        const [node0, pg0, t0] = [ownCpuMs(), cpuMsOf(pid), performance.now()];
        for (const event of events) await ways[way](event);
        const [node1, pg1, t1] = [ownCpuMs(), cpuMsOf(pid), performance.now()];
        samples[way].node.push(((node1 - node0) / STEPS) * 1000);
        samples[way].postgres.push(((pg1 - pg0) / STEPS) * 1000);
        samples[way].wall.push(((t1 - t0) / STEPS) * 1000);
        console.log(`round ${round} ${way.padEnd(4)}  Node ${samples[way].node.at(-1)!.toFixed(0)} µs  Postgres ${samples[way].postgres.at(-1)!.toFixed(0)} µs  wall ${samples[way].wall.at(-1)!.toFixed(0)} µs per step`);
      }
    }
    const row = (way: Way) => {
      const s = samples[way];
      return `${way.padEnd(5)} Node ${median(s.node).toFixed(0).padStart(5)} µs   Postgres ${median(s.postgres).toFixed(0).padStart(5)} µs   both ${(median(s.node) + median(s.postgres)).toFixed(0).padStart(5)} µs   wall ${median(s.wall).toFixed(0).padStart(5)} µs`;
    };
    console.log(`\norder.placed at inventory, ${STEPS} steps × ${ROUNDS} rounds each way, medians per step:`);
    console.log(row('orm'));
    console.log(row('step'));
    const both = (way: Way) => median(samples[way].node) + median(samples[way].postgres);
    console.log(`CPU per step, MikroORM transaction ÷ step transaction: ${(both('orm') / both('step')).toFixed(2)}×`);
    return 0;
  } finally {
    await db.orm.close(true);
    await dropDatabase(url);
  }
}

exitWith(main);
