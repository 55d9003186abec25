import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../../lib/events/envelope.js';
import { ErrorCode } from '../../../../lib/errors.js';
import { useTestDatabase } from '../../../../lib/testing/test-orm.js';
import { ormOptions } from '../db.js';
import { Notification } from '../entities/notification.entity.js';
import { WebhookDelivery } from '../entities/webhook-delivery.entity.js';
import { queueWebhooks } from './queue-webhooks.js';
import { failPendingDeliveries, redeliverWebhook } from './webhook-delivery.service.js';
import { deleteWebhook, registerWebhook } from './webhook-endpoint.service.js';

const db = useTestDatabase('notification_webhooks', ormOptions);
const em = () => db.orm.em.fork() as EntityManager;
const allow = { allowPrivateUrls: true };

function event(type: string, data: object = { orderId: randomUUID() }): EventEnvelope {
  const id = randomUUID();
  return { id, type, occurredAt: new Date().toISOString(), aggregateId: id, correlationId: id, causationId: null, data };
}

/** Queues an event the way the consumer does: inside one transaction. */
const queue = (e: EventEnvelope) => em().transactional((tx) => queueWebhooks(tx as EntityManager, e));

describe('registerWebhook', () => {
  it('returns a Standard Webhooks secret once and stores the URL normalised', async () => {
    const { endpoint, secret } = await registerWebhook(em(), { url: 'https://hooks.example.com', eventTypes: ['order.paid', 'order.paid'] }, allow);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({ url: 'https://hooks.example.com/', eventTypes: ['order.paid'], active: true });
  });

  it('refuses loopback and private hosts unless configuration allows them', async () => {
    for (const target of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest', 'http://10.0.0.8/']) {
      await expect(registerWebhook(em(), { url: target, eventTypes: ['order.paid'] }, { allowPrivateUrls: false })).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
        message: expect.stringMatching(/^url is refused: .*private or loopback address/),
      });
    }
    await expect(registerWebhook(em(), { url: 'http://127.0.0.1:8080/hook', eventTypes: ['order.paid'] }, allow)).resolves.toBeTruthy();
  });

  it('refuses other schemes, unknown event types and a URL that is already registered', async () => {
    await expect(registerWebhook(em(), { url: 'ftp://files.example.com/', eventTypes: ['order.paid'] }, allow)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await expect(registerWebhook(em(), { url: 'not a url', eventTypes: ['order.paid'] }, allow)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await expect(registerWebhook(em(), { url: 'https://a.example.com/', eventTypes: ['order.status_changed'] }, allow)).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      details: { field: 'eventTypes', allowed: expect.arrayContaining(['order.paid', 'customer.registered']) },
    });
    await expect(registerWebhook(em(), { url: 'https://a.example.com/', eventTypes: [] }, allow)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await registerWebhook(em(), { url: 'https://twice.example.com/', eventTypes: ['order.paid'] }, allow);
    await expect(registerWebhook(em(), { url: 'https://twice.example.com', eventTypes: ['order.placed'] }, allow)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });
});

describe('queueing, deleting and redelivering', () => {
  it('queues an event for each live endpoint subscribed to its type, once however often it runs', async () => {
    const paid = await registerWebhook(em(), { url: 'https://paid.example.com/', eventTypes: ['order.paid', 'order.placed'] }, allow);
    const shipped = await registerWebhook(em(), { url: 'https://shipped.example.com/', eventTypes: ['order.shipped'] }, allow);
    const gone = await registerWebhook(em(), { url: 'https://gone.example.com/', eventTypes: ['order.paid'] }, allow);
    await deleteWebhook(em(), gone.endpoint.id);

    const e = event('order.paid');
    await queue(e);
    await queue(e);
    const deliveries = await em().find(WebhookDelivery, { eventId: e.id });
    const endpointIds = deliveries.map((d) => d.endpointId);
    expect(new Set(endpointIds).size).toBe(deliveries.length); // the second run added nothing
    expect(endpointIds).toContain(paid.endpoint.id);
    expect(endpointIds).not.toContain(shipped.endpoint.id); // not subscribed
    expect(endpointIds).not.toContain(gone.endpoint.id); // deleted
    const mine = deliveries.find((d) => d.endpointId === paid.endpoint.id)!;
    expect(JSON.parse(mine.payload)).toEqual({ type: 'order.paid', timestamp: e.occurredAt, data: e.data });
    const record = await em().findOneOrFail(Notification, mine.notificationId!);
    expect(record).toMatchObject({ channel: 'WEBHOOK', template: 'order.paid', recipient: 'https://paid.example.com/', customerId: null, orderId: (e.data as { orderId: string }).orderId, status: 'PENDING' });
  });

  it('deleting an endpoint closes its waiting deliveries as FAILED, record included, and leaves sent ones alone', async () => {
    const { endpoint } = await registerWebhook(em(), { url: 'https://closing.example.com/', eventTypes: ['customer.registered'] }, allow);
    const [waiting, done] = [event('customer.registered', {}), event('customer.registered', {})];
    await queue(waiting);
    await queue(done);
    await em().nativeUpdate(WebhookDelivery, { eventId: done.id }, { status: 'SENT', nextAttemptAt: null });

    const deleted = await deleteWebhook(em(), endpoint.id);
    expect(deleted).toMatchObject({ active: false, deletedAt: expect.any(Date) });
    const closed = await em().findOneOrFail(WebhookDelivery, { eventId: waiting.id });
    expect(closed).toMatchObject({ status: 'FAILED', lastError: 'endpoint deleted', nextAttemptAt: null });
    expect(await em().findOneOrFail(Notification, closed.notificationId!)).toMatchObject({ status: 'FAILED', lastError: 'endpoint deleted' });
    expect(await em().findOneOrFail(WebhookDelivery, { eventId: done.id })).toMatchObject({ status: 'SENT' });
    await expect(deleteWebhook(em(), endpoint.id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(redeliverWebhook(em(), closed.id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('redelivers a SENT or FAILED delivery from the start of the schedule, but not one still in progress', async () => {
    const { endpoint } = await registerWebhook(em(), { url: 'https://again.example.com/', eventTypes: ['order.placed'] }, allow);
    const e = event('order.placed');
    await queue(e);
    const delivery = await em().findOneOrFail(WebhookDelivery, { eventId: e.id, endpointId: endpoint.id });
    await expect(redeliverWebhook(em(), delivery.id)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });

    await failPendingDeliveries(em(), { id: delivery.id }, 'gave up');
    await em().nativeUpdate(WebhookDelivery, { id: delivery.id }, { attempts: 5, cycleAttempts: 5 });
    const again = await redeliverWebhook(em(), delivery.id);
    expect(again).toMatchObject({ status: 'PENDING', attempts: 5, cycleAttempts: 0, nextAttemptAt: expect.any(Date) });
    expect(await em().findOneOrFail(Notification, delivery.notificationId!)).toMatchObject({ status: 'PENDING' });
    await expect(redeliverWebhook(em(), randomUUID())).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });
});
