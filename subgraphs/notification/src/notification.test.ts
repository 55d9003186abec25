import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Identity } from '../../../lib/auth/identity.js';
import { ErrorCode } from '../../../lib/errors.js';
import { useTestDatabase } from '../../../lib/testing/test-orm.js';
import { createNotificationApp, type NotificationApp } from './app.js';
import { loadNotificationConfig } from './config.js';
import { ormOptions } from './db.js';
import { Notification } from './entities/notification.entity.js';
import { WebhookEndpoint } from './entities/webhook-endpoint.entity.js';
import { createLoaders } from './loaders.js';
import { listNotifications } from './services/notification-list.service.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

const customers = Array.from({ length: 50 }, () => randomUUID());
const orders = Array.from({ length: 100 }, () => randomUUID());
const ownerOf = (i: number) => customers[i % customers.length];
const [alice, bob] = customers; // alice owns order 0, bob owns order 1
const all: Notification[] = [];

function notification(data: Partial<Notification>): Notification {
  const n = Object.assign(new Notification(), { channel: 'EMAIL', recipient: 'someone@example.com', ...data });
  all.push(n);
  return n;
}

/** 251 rows: two emails per order, one welcome email per customer (all at one instant, to test ties), one webhook. */
function seed(em: EntityManager): void {
  customers.forEach((customerId) => em.persist(notification({ template: 'welcome', customerId, status: 'SENT', createdAt: new Date(T0) })));
  orders.forEach((orderId, i) => {
    const at = T0 + 60_000 + i * 10_000;
    const customerId = ownerOf(i);
    em.persist(notification({ template: 'order-confirmation', customerId, orderId, status: 'SENT', createdAt: new Date(at) }));
    const failed = i % 4 === 0;
    em.persist(
      notification({
        template: 'order-receipt', customerId, orderId, createdAt: new Date(at + 1_000),
        status: failed ? 'FAILED' : 'PENDING', attempts: failed ? 3 : 0, lastError: failed ? '550 from relay.internal' : null,
      }),
    );
  });
  em.persist(notification({ channel: 'WEBHOOK', template: 'order.placed', recipient: 'https://partner.example/hooks', orderId: orders[0], createdAt: new Date(T0 + 30_000) }));
  const endpoint = (data: Partial<WebhookEndpoint>) =>
    Object.assign(new WebhookEndpoint(), { url: 'https://partner.example/hooks', eventTypes: ['order.paid'], secret: 'whsec_test', ...data });
  em.persist([
    endpoint({ createdAt: new Date(T0) }),
    endpoint({ active: false, createdAt: new Date(T0 + 1) }),
    endpoint({ createdAt: new Date(T0 + 2), deletedAt: new Date() }),
  ]);
}

const newestFirst = (a: Notification, b: Notification) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id < a.id ? -1 : 1);
const ids = (rows: Notification[]) => rows.map((n) => n.id);

const db = useTestDatabase('notification', ormOptions);
let app: NotificationApp;
let endpoint: string;
const gatewaySecret = 'test-notification-secret';

beforeAll(async () => {
  const em = db.orm.em.fork() as EntityManager;
  seed(em);
  await em.flush();
  app = await createNotificationApp(
    loadNotificationConfig({
      NOTIFICATION_DATABASE_URL: db.url,
      NOTIFICATION_PORT: '0',
      NOTIFICATION_GATEWAY_SECRET: gatewaySecret,
      LOG_LEVEL: 'silent',
      // Its own streams, so its consumers never take events meant for a running `npm start`.
      EVENTS_PREFIX: `t_notification_${randomBytes(6).toString('hex')}`,
    }),
  );
  endpoint = `http://127.0.0.1:${await app.start()}/graphql`;
});

afterAll(async () => {
  await app?.messaging?.bus?.deleteStreams();
  await app?.stop();
});

describe('loaders', () => {
  const fresh = () => createLoaders(db.orm.em.fork() as EntityManager, { batch: true });

  it('loads the notifications of 100 orders in one statement, oldest first', async () => {
    const loaders = fresh();
    db.sql.reset();
    const lists = await Promise.all([...orders, randomUUID()].map((id) => loaders.orderNotifications.load(id)));
    expect(db.sql.total).toBe(1);
    expect(lists.at(-1)).toEqual([]);
    expect(lists[0].map((n) => n.template)).toEqual(['order.placed', 'order-confirmation', 'order-receipt']);
    lists.slice(1, -1).forEach((list, i) => {
      expect(list.map((n) => n.template)).toEqual(['order-confirmation', 'order-receipt']);
      expect(list.every((n) => n.orderId === orders[i + 1])).toBe(true);
    });
  });

  it('loads the newest `first` notifications of 50 customers in one statement', async () => {
    const loaders = fresh();
    db.sql.reset();
    const lists = await Promise.all(customers.map((id) => loaders.customerNotifications(2).load(id)));
    expect(db.sql.total).toBe(1);
    customers.forEach((customerId, i) => {
      const expected = all.filter((n) => n.customerId === customerId).sort(newestFirst).slice(0, 2);
      expect(ids(lists[i])).toEqual(ids(expected));
      expect(lists[i][0].createdAt).toBeInstanceOf(Date);
    });
  });

  it('returns whole histories when `first` exceeds them, and one statement per distinct `first`', async () => {
    const loaders = fresh();
    db.sql.reset();
    const [many, few] = await Promise.all([
      Promise.all(customers.map((id) => loaders.customerNotifications(20).load(id))),
      Promise.all(customers.map((id) => loaders.customerNotifications(1).load(id))),
    ]);
    expect(db.sql.total).toBe(2);
    expect(many.every((list) => list.length === 5 && list[4].template === 'welcome')).toBe(true);
    expect(few.every((list) => list.length === 1)).toBe(true);
    expect(loaders.customerNotifications(0)).toBe(loaders.customerNotifications(0));
    expect(await loaders.customerNotifications(0).load(alice)).toEqual([]);
    expect(db.sql.total).toBe(2);
  });
});

describe('listNotifications', () => {
  const em = () => db.orm.em.fork() as EntityManager;

  it('walks every notification newest first, ties broken by id, with cursors', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const conn = await listNotifications(em(), { first: 40, after });
      seen.push(...ids(conn.nodes));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids([...all].sort(newestFirst)));
    expect(await (await listNotifications(em(), {})).totalCount()).toBe(all.length);
  });

  it('filters by status and channel', async () => {
    const conn = await listNotifications(em(), { first: 100, status: 'FAILED', channel: 'EMAIL' });
    const expected = all.filter((n) => n.status === 'FAILED' && n.channel === 'EMAIL').sort(newestFirst);
    expect(ids(conn.nodes)).toEqual(ids(expected));
    expect(await conn.totalCount()).toBe(expected.length);
    expect((await listNotifications(em(), { channel: 'WEBHOOK' })).nodes.map((n) => n.template)).toEqual(['order.placed']);
  });

  it('refuses foreign cursors and oversized pages', async () => {
    const bogus = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url');
    await expect(listNotifications(em(), { after: bogus })).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    await expect(listNotifications(em(), { first: 101 })).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });
});

describe('GraphQL authorization', () => {
  const admin: Identity = { customerId: randomUUID(), role: 'ADMIN' };
  const asCustomer = (customerId: string): Identity => ({ customerId, role: 'CUSTOMER' });

  async function gql(query: string, variables: Record<string, unknown>, who: Identity | null, secret = gatewaySecret) {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gateway-secret': secret,
        ...(who ? { 'x-user-id': who.customerId, 'x-user-role': who.role } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: { extensions: { code: string } }[] } };
  }
  const codes = (body: { errors?: { extensions: { code: string } }[] }) => body.errors?.map((e) => e.extensions.code);

  const LIST = '{ notifications(first: 5) { totalCount nodes { id } } webhookEndpoints { url active eventTypes } }';
  const ORDERS = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id notifications { template channel } } } }`;
  const CUSTOMERS = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Customer { notifications(first: 3) { id } } } }`;
  const NOTIFICATIONS = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Notification { id lastError } } }`;
  const reps = (typename: string, list: string[]) => ({ reps: list.map((id) => ({ __typename: typename, id })) });

  it('answers only the gateway', async () => {
    expect((await gql(LIST, {}, admin, 'not-the-secret')).status).toBe(401);
  });

  it('lets only admins list notifications and webhook endpoints', async () => {
    const asAdmin = await gql(LIST, {}, admin);
    expect(asAdmin.body.data.notifications.totalCount).toBe(all.length);
    expect(asAdmin.body.data.webhookEndpoints.map((e: { active: boolean }) => e.active)).toEqual([true, false]);
    expect(codes((await gql(LIST, {}, asCustomer(alice))).body)).toContain(ErrorCode.FORBIDDEN);
    expect(codes((await gql(LIST, {}, null)).body)).toContain(ErrorCode.UNAUTHENTICATED);
  });

  it('resolves Order.notifications for 100 orders in one statement, hiding rows the caller may not see', async () => {
    app.db.sql.reset();
    const asAdmin = await gql(ORDERS, reps('Order', orders), admin);
    expect(app.db.sql.count).toBe(1);
    expect(asAdmin.body.data._entities).toHaveLength(100);
    expect(asAdmin.body.data._entities[0].notifications.map((n: { channel: string }) => n.channel)).toEqual(['WEBHOOK', 'EMAIL', 'EMAIL']);
    // The webhook row has no customer, so even the order's owner does not see it; nor do others see the emails.
    const owner = await gql(ORDERS, reps('Order', [orders[0]]), asCustomer(alice));
    expect(owner.body.data._entities[0].notifications.map((n: { channel: string }) => n.channel)).toEqual(['EMAIL', 'EMAIL']);
    const stranger = await gql(ORDERS, reps('Order', [orders[0]]), asCustomer(bob));
    expect(stranger.body.data._entities[0].notifications).toEqual([]);
  });

  it('resolves Customer.notifications for the customer and admins only, in one statement', async () => {
    app.db.sql.reset();
    const asAdmin = await gql(CUSTOMERS, reps('Customer', customers), admin);
    expect(app.db.sql.count).toBe(1);
    expect(asAdmin.body.data._entities.every((c: { notifications: unknown[] }) => c.notifications.length === 3)).toBe(true);
    const own = await gql(CUSTOMERS, reps('Customer', [alice]), asCustomer(alice));
    expect(own.body.data._entities[0].notifications).toHaveLength(3);
    expect(codes((await gql(CUSTOMERS, reps('Customer', [bob]), asCustomer(alice))).body)).toEqual([ErrorCode.FORBIDDEN]);
    expect(codes((await gql(CUSTOMERS, reps('Customer', [alice]), null)).body)).toEqual([ErrorCode.FORBIDDEN]);
  });

  it('resolves a Notification reference only for its customer or an admin, and shows errors to admins only', async () => {
    const failedOfAlice = all.find((n) => n.customerId === alice && n.status === 'FAILED')!;
    const ofBob = all.find((n) => n.customerId === bob)!;
    const webhook = all.find((n) => n.channel === 'WEBHOOK')!;
    const list = [failedOfAlice.id, ofBob.id, webhook.id, 'not-a-uuid'];
    const asAlice = await gql(NOTIFICATIONS, reps('Notification', list), asCustomer(alice));
    expect(asAlice.body.data._entities).toEqual([{ id: failedOfAlice.id, lastError: null }, null, null, null]);
    const asAdmin = await gql(NOTIFICATIONS, reps('Notification', list), admin);
    expect(asAdmin.body.data._entities.map((n: { id: string } | null) => n?.id ?? null)).toEqual([failedOfAlice.id, ofBob.id, webhook.id, null]);
    expect(asAdmin.body.data._entities[0].lastError).toBe('550 from relay.internal');
  });
});
