/**
 * The fan-out benchmark's event source, in a child process of its own: it publishes
 * `order.status_changed` to the events subject as the order service's outbox relay would, from
 * outside the gateway's process, so the gateway's event loop carries only the gateway's work.
 * Messages go out as plain publishes (JetStream still stores them, `Nats-Msg-Id` and all) rather
 * than one acknowledged request each: a burst then reaches the server at wire speed, and its
 * latency is the server's and the gateway's, not this process's round trips.
 * Driven over IPC by bench/subscriptions.ts.
 */
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders } from 'nats';
import { EventBus } from '../../lib/events/bus.js';
import { createLogger } from '../../lib/logger.js';
import { fireAtFixedRate } from './open-loop.js';

export interface StatusEventSpec {
  orderId: string;
  customerId: string;
  sequence: number;
}

export type PublisherCommand =
  | { type: 'connect'; url: string; prefix: string }
  /** `rate` events per second, or all at once when it is absent. */
  | { type: 'publish'; events: StatusEventSpec[]; rate?: number };

export type PublisherReply =
  | { type: 'connected' }
  /** When each event was due (epoch ms), by `orderId:sequence`. */
  | { type: 'published'; dueAt: [key: string, at: number][] };

let bus: EventBus | undefined;

async function publish(cmd: Extract<PublisherCommand, { type: 'publish' }>): Promise<PublisherReply> {
  if (!bus) throw new Error('not connected');
  const connected = bus;
  const subject = connected.subject('order.status_changed');
  const dueAt: [string, number][] = [];
  const send = (e: StatusEventSpec, due: number) => {
    dueAt.push([`${e.orderId}:${e.sequence}`, performance.timeOrigin + due]);
    const id = randomUUID();
    const h = natsHeaders();
    h.set('Nats-Msg-Id', id);
    h.set('event-type', 'order.status_changed');
    const envelope = {
      id,
      type: 'order.status_changed',
      occurredAt: new Date().toISOString(),
      aggregateId: e.orderId,
      correlationId: id,
      causationId: null,
      data: { orderId: e.orderId, customerId: e.customerId, status: 'SHIPPED', previousStatus: 'PAID', reason: null, sequence: e.sequence },
    };
    connected.nc.publish(subject, JSON.stringify(envelope), { headers: h });
  };
  if (cmd.rate) {
    await fireAtFixedRate(cmd.rate, cmd.events.length, (i, due) => send(cmd.events[i], due));
  } else {
    const due = performance.now();
    for (const e of cmd.events) send(e, due);
  }
  await connected.nc.flush();
  return { type: 'published', dueAt };
}

process.on('message', (cmd: PublisherCommand) => {
  const reply = (r: PublisherReply) => process.send!(r);
  if (cmd.type === 'connect') {
    void EventBus.connect({ url: cmd.url, prefix: cmd.prefix, name: 'bench-publisher', logger: createLogger('bench-publisher', 'silent') }).then((b) => {
      bus = b;
      reply({ type: 'connected' });
    });
  } else if (cmd.type === 'publish') {
    void publish(cmd).then(reply);
  }
});
process.on('disconnect', () => process.exit(0));
