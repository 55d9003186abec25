import type { MikroORM } from '@mikro-orm/postgresql';
import { StepTx } from '../db/step-tx.js';

/**
 * Runs a saga step the way the consumer does, in a step transaction of its own (without the inbox
 * row); resolves to the round trips it took.
 */
export async function runStep<E>(orm: MikroORM, step: (tx: StepTx, event: E) => Promise<void>, event: E): Promise<number> {
  let used: StepTx | undefined;
  await StepTx.run(orm, (tx) => {
    used = tx;
    return step(tx, event);
  });
  return used!.roundTrips;
}
