import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { startSmtpCatcher, type CaughtMail, type SmtpCatcher } from '../scripts/start/smtp-catcher.js';
import { CatalogProduct } from '../subgraphs/notification/src/entities/catalog-product.entity.js';
import { Notification } from '../subgraphs/notification/src/entities/notification.entity.js';
import { WebhookDelivery } from '../subgraphs/notification/src/entities/webhook-delivery.entity.js';
import { addCard, CARDS, createProduct, placeOrder, waitForStatus } from './saga-helpers.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const WEBHOOK_RETRIES_MS = '50,50,50,50'; // five attempts in all
const ORDER_NOTIFICATIONS = `query($id: ID!) { order(id: $id) { id notifications { template channel status recipient } } }`;
const DELIVERIES = `query($endpointId: ID, $status: NotificationStatus) {
  webhookDeliveries(first: 10, endpointId: $endpointId, status: $status) {
    totalCount
    nodes { id webhookId eventType status attempts lastStatusCode lastError sentAt endpoint { id url } attemptHistory { attemptNumber statusCode error } }
  }
}`;

describe('notifications: email over SMTP and signed webhooks', () => {
  let stack: TestStack;
  let notification: TestStack['subgraphs']['notification'];
  /** Every catcher the tests started (the SMTP server is stopped and restarted on its port once). */
  const catchers: SmtpCatcher[] = [];
  const receivers: WebhookReceiver[] = [];
  let smtpPort: number;

  const mailTo = (address: string): CaughtMail[] => catchers.flatMap((c) => c.messages).filter((m) => m.envelope.to.includes(address));
  const waitForMail = (address: string, count: number) =>
    waitFor(`${count} email(s) to ${address}`, async () => (mailTo(address).length >= count ? mailTo(address) : undefined));
  const notificationEm = () => notification.db.orm.em.fork();

  async function receiver(respond?: (nth: number) => number): Promise<WebhookReceiver> {
    const r = await startWebhookReceiver(respond);
    receivers.push(r);
    return r;
  }

  async function registerWebhook(url: string, eventTypes: string[]): Promise<{ id: string; secret: string }> {
    const res = await stack.query(
      `mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { secret endpoint { id url eventTypes active } } }`,
      { input: { url, eventTypes } },
      await stack.adminToken(),
    );
    expect(res.errors).toBeUndefined();
    live.add(res.data.registerWebhook.endpoint.id);
    return { id: res.data.registerWebhook.endpoint.id, secret: res.data.registerWebhook.secret };
  }

  async function deleteWebhook(id: string): Promise<void> {
    const res = await stack.query(`mutation($id: ID!) { deleteWebhook(id: $id) { id active } }`, { id }, await stack.adminToken());
    expect(res.data.deleteWebhook).toEqual({ id, active: false });
    live.delete(id);
  }

  /** Endpoints registered and not deleted yet: a test that fails before its own clean-up must not feed the next one. */
  const live = new Set<string>();
  afterEach(async () => {
    for (const id of [...live]) await deleteWebhook(id);
  });

  async function deliveries(endpointId: string, status?: string) {
    const res = await stack.query(DELIVERIES, { endpointId, status }, await stack.adminToken());
    expect(res.errors).toBeUndefined();
    return res.data.webhookDeliveries as { totalCount: number; nodes: any[] };
  }

  /** Waits until the notification service has heard of a product, so emails can name it. */
  async function productKnownToNotifications(productId: string): Promise<void> {
    await waitFor('the notification service to learn the product', async () => ((await notificationEm().findOne(CatalogProduct, { productId })) ? true : undefined));
  }

  beforeAll(async () => {
    const catcher = await startSmtpCatcher({ smtpPort: 0, httpPort: 0 });
    catchers.push(catcher);
    smtpPort = Number(new URL(catcher.smtpUrl).port);
    stack = await startStack({
      SMTP_URL: catcher.smtpUrl,
      SMTP_TIMEOUT_MS: '2000',
      EMAIL_RETRY_SCHEDULE_MS: '100,200,300,400,500,500,500,500,500,500,500,500',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_RETRY_SCHEDULE_MS: WEBHOOK_RETRIES_MS,
      WEBHOOK_TIMEOUT_MS: '2000',
      NOTIFICATION_DISPATCH_INTERVAL_MS: '25',
    });
    notification = stack.subgraphs.notification;
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([...catchers, ...receivers].map((s) => s.stop()));
  });

  it('registering a customer through the gateway delivers a welcome email with their name', async () => {
    const customer = await stack.registerCustomer('Ada Lovelace');
    const [welcome] = await waitForMail(customer.email, 1);
    expect(welcome.subject).toBe('Welcome to Commerce, Ada Lovelace');
    expect(welcome.text).toContain('Welcome, Ada Lovelace!');
    expect(welcome.html).toContain('Welcome, Ada Lovelace!');
    // The catcher `npm start` runs shows the same mail over HTTP.
    const listed = (await (await fetch(`${catchers[0].webUrl}/messages`)).json()) as CaughtMail[];
    expect(listed.find((m) => m.envelope.to.includes(customer.email))?.subject).toBe(welcome.subject);
  });

  it('the order flow sends confirmation, receipt, shipping and delivery emails, listed on Order.notifications for the owner and admins only', async () => {
    const customer = await stack.registerCustomer('Grace Hopper');
    const card = await addCard(stack, customer.token);
    const kettle = await createProduct(stack, { name: 'Copper Kettle', priceCents: 1250, stock: 10 });
    const mug = await createProduct(stack, { name: 'Stoneware Mug', priceCents: 4000, stock: 10 });
    await Promise.all([productKnownToNotifications(kettle.id), productKnownToNotifications(mug.id)]);

    const placed = await placeOrder(stack, customer.token, [{ productId: kettle.id, quantity: 2 }, { productId: mug.id, quantity: 1 }], card);
    const orderId = placed.data.placeOrder.id as string;
    await waitForStatus(stack, customer.token, orderId, ['PAID']);
    const admin = await stack.adminToken();
    const tracking = `1Z-${randomUUID().slice(0, 8).toUpperCase()}`;
    const shipped = await stack.query(`mutation($id: ID!, $t: String!) { shipOrder(id: $id, trackingNumber: $t) { status } }`, { id: orderId, t: tracking }, admin);
    expect(shipped.data.shipOrder.status).toBe('SHIPPED');
    const delivered = await stack.query(`mutation($id: ID!) { markOrderDelivered(id: $id) { status } }`, { id: orderId }, admin);
    expect(delivered.data.markOrderDelivered.status).toBe('DELIVERED');

    const mails = await waitForMail(customer.email, 5); // welcome + four about the order
    const bySubject = (prefix: string) => mails.find((m) => m.subject.startsWith(prefix))!;
    const number = orderId.slice(0, 8).toUpperCase();

    const confirmation = bySubject('We received your order');
    expect(confirmation.subject).toBe(`We received your order ${number}`);
    expect(confirmation.text).toContain('2 × Copper Kettle');
    expect(confirmation.text).toMatch(/2 × Copper Kettle \(SKU-[^)]+\) at \$12\.50 = \$25\.00/);
    expect(confirmation.text).toMatch(/1 × Stoneware Mug \(SKU-[^)]+\) at \$40\.00 = \$40\.00/);
    expect(confirmation.text).toContain('Order total: $65.00');
    expect(confirmation.html).toContain('Copper Kettle');

    const receipt = bySubject('Your receipt');
    expect(receipt.text).toContain('we charged your card $65.00');
    expect(receipt.text).toContain('Order total: $65.00');

    const shipping = bySubject(`Your order ${number} is on its way`);
    expect(shipping.text).toContain(`Tracking number: ${tracking}`);
    expect(shipping.html).toContain(tracking);
    expect(shipping.text).toContain('1 × Stoneware Mug');

    expect(bySubject(`Your order ${number} was delivered`).text).toContain('has been delivered');

    const expected = ['order-confirmation', 'order-receipt', 'order-shipped', 'order-delivered'];
    const owners = await waitFor('every order email to be SENT', async () => {
      const res = await stack.query(ORDER_NOTIFICATIONS, { id: orderId }, customer.token);
      const list = res.data?.order?.notifications as { template: string; status: string }[] | undefined;
      return list && list.length === 4 && list.every((n) => n.status === 'SENT') ? list : undefined;
    });
    // Each event type has its own consumer, so the receipt may be queued after the shipping notice.
    expect(owners.map((n) => n.template).sort()).toEqual([...expected].sort());
    expect(owners.every((n) => (n as { recipient?: string }).recipient === customer.email)).toBe(true);

    const asAdmin = await stack.query(ORDER_NOTIFICATIONS, { id: orderId }, admin);
    expect(asAdmin.data.order.notifications.map((n: { template: string }) => n.template)).toEqual(owners.map((n) => n.template));

    const stranger = await stack.registerCustomer('Nosy Parker');
    const asStranger = await stack.query(ORDER_NOTIFICATIONS, { id: orderId }, stranger.token);
    expect(asStranger.data?.order ?? null).toBeNull();
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(asStranger.errors?.[0].extensions?.code);
    const anonymous = await stack.query(ORDER_NOTIFICATIONS, { id: orderId });
    expect(anonymous.data?.order ?? null).toBeNull();
  });

  it('a failed order and a cancelled one say why and what happens to the money; the refund is confirmed', async () => {
    const customer = await stack.registerCustomer('Ruth Refund');
    const lamp = await createProduct(stack, { name: 'Brass Lamp', priceCents: 8900, stock: 5 });
    await productKnownToNotifications(lamp.id);

    const declinedCard = await addCard(stack, customer.token, CARDS.declined);
    const declined = await placeOrder(stack, customer.token, [{ productId: lamp.id, quantity: 1 }], declinedCard);
    await waitForStatus(stack, customer.token, declined.data.placeOrder.id, ['FAILED']);

    const card = await addCard(stack, customer.token);
    const paid = await placeOrder(stack, customer.token, [{ productId: lamp.id, quantity: 2 }], card);
    const paidId = paid.data.placeOrder.id as string;
    await waitForStatus(stack, customer.token, paidId, ['PAID']);
    const cancelled = await stack.query(`mutation($id: ID!) { cancelOrder(id: $id, reason: "found a cheaper lamp") { status } }`, { id: paidId }, customer.token);
    expect(cancelled.data.cancelOrder.status).toBe('CANCELLED');

    const subjects = (mails: CaughtMail[]) => mails.map((m) => m.subject);
    const mails = await waitFor('the failure, cancellation and refund emails', async () => {
      const all = mailTo(customer.email);
      const wanted = ['We could not complete your order', 'was cancelled', 'We refunded'];
      return wanted.every((w) => subjects(all).some((s) => s.includes(w))) ? all : undefined;
    });
    const failed = mails.find((m) => m.subject.startsWith('We could not complete'))!;
    expect(failed.subject).toContain(declined.data.placeOrder.id.slice(0, 8).toUpperCase());
    expect(failed.text).toContain('because your card was declined');
    expect(failed.text).toContain('You have not been charged.');

    const cancellation = mails.find((m) => m.subject.includes('was cancelled'))!;
    expect(cancellation.text).toContain('("found a cheaper lamp")');
    expect(cancellation.text).toContain('The $178.00 you paid will be refunded to your card in full');

    const refund = mails.find((m) => m.subject.startsWith('We refunded'))!;
    expect(refund.subject).toBe(`We refunded $178.00 for order ${paidId.slice(0, 8).toUpperCase()}`);
    expect(refund.text).toContain('Hi Ruth Refund, we refunded $178.00 to your card');
  });

  it('a webhook that fails three times gets the event on the fourth attempt, same webhook-id, a verifiable signature, four attempts on record; redelivery sends it again', async () => {
    const hooks = await receiver((nth) => (nth <= 3 ? 500 : 200));
    const endpoint = await registerWebhook(hooks.url, ['customer.registered']);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);

    const customer = await stack.registerCustomer('Hook Tester');
    const ofCustomer = () => hooks.requests.filter((r) => (JSON.parse(r.body) as { data: { customerId: string } }).data.customerId === customer.id);
    await waitFor('a successful delivery', async () => (ofCustomer().some((r) => r.status === 200) ? true : undefined));

    const requests = ofCustomer();
    expect(requests.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    const webhookId = requests[0].headers['webhook-id'];
    expect(requests.every((r) => r.headers['webhook-id'] === webhookId)).toBe(true);
    const verifier = new Webhook(endpoint.secret);
    for (const r of requests) {
      expect(verifier.verify(r.body, r.headers)).toMatchObject({ type: 'customer.registered', data: { customerId: customer.id, email: customer.email, name: 'Hook Tester' } });
    }
    expect(() => new Webhook(`whsec_${Buffer.from('another secret entirely').toString('base64')}`).verify(requests[3].body, requests[3].headers)).toThrow();

    const [delivery] = (await waitFor('the delivery to be recorded SENT', async () => {
      const page = await deliveries(endpoint.id);
      return page.nodes[0]?.status === 'SENT' ? page : undefined;
    })).nodes;
    expect(delivery).toMatchObject({ webhookId, eventType: 'customer.registered', status: 'SENT', attempts: 4, lastStatusCode: 200, lastError: null, endpoint: { id: endpoint.id, url: hooks.url } });
    expect(delivery.attemptHistory).toEqual([
      { attemptNumber: 1, statusCode: 500, error: 'HTTP 500' },
      { attemptNumber: 2, statusCode: 500, error: 'HTTP 500' },
      { attemptNumber: 3, statusCode: 500, error: 'HTTP 500' },
      { attemptNumber: 4, statusCode: 200, error: null },
    ]);

    const again = await stack.query(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { status } }`, { id: delivery.id }, await stack.adminToken());
    expect(again.data.redeliverWebhook.status).toBe('PENDING');
    await waitFor('the redelivery', async () => (ofCustomer().length === 5 ? true : undefined));
    expect(ofCustomer()[4].headers['webhook-id']).toBe(webhookId);
    const redelivered = await waitFor('the redelivery to be recorded', async () => {
      const [d] = (await deliveries(endpoint.id)).nodes;
      return d.status === 'SENT' && d.attempts === 5 ? d : undefined;
    });
    expect(redelivered.attemptHistory.map((a: { attemptNumber: number }) => a.attemptNumber)).toEqual([1, 2, 3, 4, 5]);

    await deleteWebhook(endpoint.id);
  });

  it('a delivery that never succeeds is FAILED after its last attempt and stays visible', async () => {
    const hooks = await receiver(() => 503);
    const endpoint = await registerWebhook(hooks.url, ['customer.registered']);
    await stack.registerCustomer('Unlucky Receiver');

    // Count and page are two statements: wait for both to show it.
    const [delivery] = (await waitFor('the delivery to fail', async () => {
      const page = await deliveries(endpoint.id, 'FAILED');
      return page.totalCount === 1 && page.nodes.length === 1 ? page : undefined;
    })).nodes;
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: WEBHOOK_RETRIES_MS.split(',').length + 1, lastStatusCode: 503, lastError: 'HTTP 503', sentAt: null });
    expect(hooks.requests).toHaveLength(delivery.attempts);

    const record = await notificationEm().findOneOrFail(Notification, { channel: 'WEBHOOK', recipient: hooks.url });
    expect(record).toMatchObject({ status: 'FAILED', attempts: delivery.attempts, lastError: 'HTTP 503', customerId: null });
    await deleteWebhook(endpoint.id);
  });

  it('the same event delivered five times sends one email and one webhook', async () => {
    const hooks = await receiver();
    const endpoint = await registerWebhook(hooks.url, ['customer.registered']);
    const customer = await stack.registerCustomer('Echo Echo');
    await waitForMail(customer.email, 1);
    await waitFor('the webhook', async () => (hooks.requests.length === 1 ? true : undefined));

    const [{ envelope }] = await stack.subgraphs.order.db.orm.em
      .getConnection()
      .execute<{ envelope: { id: string; type: string } }[]>("select envelope from outbox_events where type = 'customer.registered' and aggregate_id = ?", [customer.id]);
    const consumers = notification.messaging!.consumers!;
    const duplicatesBefore = consumers.stats.duplicates;
    // Fresh message ids, so JetStream stores and delivers every copy.
    for (let i = 0; i < 5; i++) await stack.bus.js.publish(stack.bus.subject(envelope.type), JSON.stringify(envelope), { msgID: randomUUID() });
    await waitFor('the copies to be consumed', async () => (consumers.stats.duplicates - duplicatesBefore >= 5 ? true : undefined));
    // Give a wrongly queued second message every chance to go out before counting.
    await new Promise((r) => setTimeout(r, 500));

    expect(mailTo(customer.email)).toHaveLength(1);
    expect(hooks.requests).toHaveLength(1);
    expect(hooks.requests[0].headers['webhook-id']).toBe(envelope.id);
    expect(await notificationEm().count(WebhookDelivery, { eventId: envelope.id })).toBe(1);
    expect(await notificationEm().count(Notification, { eventId: envelope.id })).toBe(2); // the email and the webhook
    await deleteWebhook(endpoint.id);
  });

  it('with the SMTP server down, emails wait and retry; when it returns every one arrives once', async () => {
    await catchers[0].stop();
    const customers = await Promise.all(['Offline One', 'Offline Two', 'Offline Three'].map((name) => stack.registerCustomer(name)));
    const emails = customers.map((c) => c.email);

    const waiting = await waitFor('the welcome emails to fail and wait for a retry', async () => {
      const rows = await notificationEm().find(Notification, { recipient: { $in: emails }, template: 'welcome' });
      return rows.length === 3 && rows.every((n) => n.status === 'PENDING' && n.attempts >= 2) ? rows : undefined;
    });
    expect(waiting.every((n) => n.lastError && n.nextAttemptAt)).toBe(true);
    expect(emails.flatMap(mailTo)).toEqual([]);

    catchers.push(await startSmtpCatcher({ smtpPort, httpPort: 0 }));
    await Promise.all(emails.map((e) => waitForMail(e, 1)));
    await new Promise((r) => setTimeout(r, 500));
    expect(emails.map((e) => mailTo(e).length)).toEqual([1, 1, 1]);
    const sent = await notificationEm().find(Notification, { recipient: { $in: emails }, template: 'welcome' });
    expect(sent.every((n) => n.status === 'SENT' && n.attempts >= 3 && n.lastError === null && n.sentAt)).toBe(true);
  });
});
