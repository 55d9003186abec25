import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../testing/test-orm.js';
import { ormOptions } from '../../subgraphs/payment/src/db.js';
import { runSql } from './sql.js';
import { StepTx } from './step-tx.js';

// Any subgraph's schema has the inbox table these tests write to. One connection: a transaction
// that failed to give it back would block every test after it.
const db = useTestDatabase('step_tx', ormOptions, { dbPoolMax: 1 });

const inboxRow = (eventId: string) => ({
  sql: "insert into inbox_events (consumer, event_id, type, handled_at) values ('step_tx_test', ?, 'test', now())",
  params: [eventId],
});
const handled = async (eventId: string) =>
  (await runSql<{ n: number }>(db.orm.em.fork(), 'select count(*)::int as n from inbox_events where event_id = ?', [eventId]))[0].n;

describe('step transactions', () => {
  it('sends held-back writes with the next read and with COMMIT: two round trips, one transaction', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    let tx: StepTx | undefined;
    const seen = await StepTx.run(db.orm, async (t) => {
      tx = t;
      t.queue(inboxRow(a));
      const { rows } = await t.query<{ n: number }>('select count(*)::int as n from inbox_events where event_id = ?', [a]);
      t.queue(inboxRow(b));
      return rows[0].n;
    });
    expect(seen).toBe(1);
    expect(tx!.roundTrips).toBe(2);
    expect([await handled(a), await handled(b)]).toEqual([1, 1]);
  });

  it('fails at the round trip a failing write went with, keeps nothing, runs no commit hook, and gives the connection back', async () => {
    const taken = randomUUID();
    await StepTx.run(db.orm, async (tx) => tx.queue(inboxRow(taken)));
    const fresh = randomUUID();
    let hookRan = false;
    let readAfterFailure = false;
    const failed = StepTx.run(db.orm, async (tx) => {
      tx.afterCommit(() => (hookRan = true));
      tx.queue(inboxRow(fresh));
      tx.queue(inboxRow(taken));
      await tx.query('select 1');
      readAfterFailure = true;
    });
    await expect(failed).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    expect({ readAfterFailure, hookRan, fresh: await handled(fresh) }).toEqual({ readAfterFailure: false, hookRan: false, fresh: 0 });
    // The pool's only connection is usable again, out of any transaction.
    expect(await StepTx.run(db.orm, async (tx) => (await tx.query<{ n: number }>('select 1 as n')).rows[0].n)).toBe(1);
  });

  it('rolls back when the step throws, and runs commit hooks only after a commit', async () => {
    const dropped = randomUUID();
    const kept = randomUUID();
    const hooks: string[] = [];
    await expect(
      StepTx.run(db.orm, async (tx) => {
        tx.afterCommit(() => hooks.push('dropped'));
        tx.queue(inboxRow(dropped));
        await tx.query('select 1');
        throw new Error('the step changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    await StepTx.run(db.orm, async (tx) => {
      tx.afterCommit(() => hooks.push('kept'));
      tx.queue(inboxRow(kept));
    });
    expect({ hooks, dropped: await handled(dropped), kept: await handled(kept) }).toEqual({ hooks: ['kept'], dropped: 0, kept: 1 });
  });
});
