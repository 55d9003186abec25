import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES, envName } from '../lib/config.js';
import { bearer, postGraphQL } from '../lib/testing/graphql-client.js';
import { captureLogs, type CapturedLogs, type LogLine } from '../lib/testing/log-capture.js';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { waitFor } from '../lib/testing/wait.js';
import { addCard, createProduct, waitForStatus } from './saga-helpers.js';

const PLACE = `mutation Place($i: PlaceOrderInput!, $k: String!) { placeOrder(input: $i, idempotencyKey: $k) { id status } }`;

describe('logs', () => {
  let logs: CapturedLogs;
  let stack: TestStack;

  beforeAll(async () => {
    logs = captureLogs();
    // Debug is the most a service logs: if a secret is safe there, it is safe at any level.
    stack = await startStack({ LOG_LEVEL: 'debug' });
  });

  afterAll(async () => {
    await stack?.stop();
    logs?.stop();
  });

  it('are JSON lines, each naming its service', () => {
    expect(logs.raw.length).toBeGreaterThan(0);
    for (const line of logs.lines()) expect(typeof line.service).toBe('string');
  });

  it('follow one request id from the gateway through a subgraph and every event consumer of the saga', async () => {
    const customer = await stack.registerCustomer('Log Follower');
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Traced Teapot', priceCents: 1900, stock: 5 });

    const requestId = `trace-${randomUUID()}`;
    const res = await postGraphQL(
      stack.gatewayUrl,
      PLACE,
      { i: { items: [{ productId: product.id, quantity: 1 }], paymentMethodId: card }, k: randomUUID() },
      { ...bearer(customer.token), 'x-request-id': requestId },
    );
    expect(res.errors).toBeUndefined();
    await waitForStatus(stack, customer.token, res.data.placeOrder.id, ['PAID']);

    const carrying = (l: LogLine) => l.requestId === requestId || l.correlationId === requestId;
    // order.paid has two consumers (inventory commits, notification sends the receipt) that finish in
    // either order: wait until both have logged.
    const traced = await waitFor('inventory and notification to handle order.paid', async () => {
      const lines = logs.lines().filter(carrying);
      const paidBy = (service: string) => lines.some((l) => l.service === service && l.eventType === 'order.paid' && l.msg === 'event handled');
      return paidBy('inventory') && paidBy('notification') ? lines : undefined;
    });

    const gatewayLine = traced.find((l) => l.service === 'gateway' && l.msg === 'graphql operation');
    expect(gatewayLine).toMatchObject({ operationName: 'Place', operationType: 'mutation' });
    expect(gatewayLine!.durationMs).toBeGreaterThan(0);
    expect(traced.find((l) => l.service === 'order' && l.msg === 'graphql operation')).toMatchObject({ operationType: 'mutation' });

    const handled = traced.filter((l) => l.msg === 'event handled').map((l) => `${l.service}:${l.eventType}`);
    expect(handled).toEqual(
      expect.arrayContaining([
        'inventory:order.placed',
        'order:inventory.stock_reserved',
        'payment:order.payment_requested',
        'order:payment.succeeded',
        'inventory:order.paid',
        'notification:order.paid',
      ]),
    );
  });

  it('never carry passwords, tokens, secrets or card numbers', async () => {
    const password = `pw-${randomUUID()}`;
    const email = `secret-${randomUUID().slice(0, 8)}@example.test`;
    const registered = await stack.query(
      `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { token } }`,
      { input: { email, name: 'Secret Keeper', password } },
    );
    const login = await stack.query(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: password });
    const token = login.data.login.token as string;
    const wrong = await stack.query(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: `${password}-wrong` });
    expect(wrong.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const cardNumber = '4000000000009995';
    const added = await stack.query(
      `mutation($i: AddPaymentMethodInput!) { addPaymentMethod(input: $i) { id last4 } }`,
      { i: { cardNumber, expMonth: 11, expYear: new Date().getUTCFullYear() + 2, cvc: '9173' } },
      token,
    );
    expect(added.data?.addPaymentMethod.last4).toBe('9995');
    // A refused card is where a careless error message would quote the number.
    const badCard = '4242424242424241';
    const refused = await stack.query(
      `mutation($i: AddPaymentMethodInput!) { addPaymentMethod(input: $i) { id } }`,
      { i: { cardNumber: badCard, expMonth: 11, expYear: new Date().getUTCFullYear() + 2, cvc: '9173' } },
      token,
    );
    expect(refused.errors).toBeDefined();
    // A bad token is refused; the refusal must not quote it.
    await stack.query(`{ me { id } }`, {}, `${token.slice(0, -4)}AAAA`);

    // Give the consumers of customer.registered and the card events time to log what they handled.
    await waitFor('the events of the new customer to be handled', async () =>
      logs.lines().some((l) => l.msg === 'event handled' && l.eventType === 'customer.registered' && l.service === 'notification') ? true : undefined,
    );

    const text = logs.raw.join('');
    const secrets: Record<string, string> = {
      password,
      'wrong password': `${password}-wrong`,
      'registration token': registered.data.registerCustomer.token,
      'login token': token,
      'token signature': token.split('.')[2],
      'card number': cardNumber,
      'refused card number': badCard,
      'JWT private key': stack.env.JWT_PRIVATE_KEY!.split('\n')[1],
      'admin password': stack.admin.password,
      ...Object.fromEntries(SUBGRAPH_NAMES.map((n) => [`${n} gateway secret`, stack.env[envName(n, 'GATEWAY_SECRET')]!])),
    };
    for (const [what, value] of Object.entries(secrets)) expect(text.includes(value), `${what} appears in the logs`).toBe(false);
    expect(text).not.toMatch(/"cvc":"\d/);
  });
});
