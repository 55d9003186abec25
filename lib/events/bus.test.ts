import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { newRunId } from '../testing/test-databases.js';
import { EventBus, oneLine } from './bus.js';

describe('dead letters on the real NATS', () => {
  let bus: EventBus;
  beforeAll(async () => {
    const prefix = newRunId();
    bus = await EventBus.connect({ url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', prefix, name: `bus-test-${prefix}`, logger: createLogger('test', 'silent') });
    await bus.ensureStreams();
  });
  afterAll(async () => {
    await bus?.deleteStreams();
    await bus?.close();
  });

  it('parks a message whose failure spans several lines (an SQL error quoting its statement), as one line', async () => {
    const reason = 'failed 5 times: insert into payments (id)\n       values ($1)\r\n  - fault: poisoned';
    await bus.publishDeadLetter('order.payment_requested', '{}', { consumer: 'payment_x', reason, deliveries: 5, eventId: 'e1' });
    const letter = await bus.jsm.streams.getMessage(bus.deadLetterStream, { last_by_subj: bus.deadLetterSubject('order.payment_requested') });
    expect(letter.header.get('dead-letter-reason')).toBe('failed 5 times: insert into payments (id) values ($1) - fault: poisoned');
    expect(letter.header.get('dead-letter-deliveries')).toBe('5');
  });

  it('folds whitespace runs into single spaces', () => {
    expect(oneLine('  a\n\tb  \r\nc ')).toBe('a b c');
  });
});
