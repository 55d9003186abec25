import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../lib/testing/stack.js';
import { GraphiQLPage } from './browser/graphiql-page.js';
import { launchOfflineChromium, type OfflineBrowser } from './browser/offline-chromium.js';
import { addCard, createProduct, placeOrder } from './saga-helpers.js';

const SCREENSHOT = 'test/artifacts/playground.png';
/** The first visit bundles GraphiQL (seconds of CPU), on a machine shared with other test files. */
const SLOW_MS = 90_000;

describe('the playground in a browser with no network beyond the gateway', () => {
  let stack: TestStack;
  let offline: OfflineBrowser;
  let origin: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    origin = new URL(stack.gatewayUrl).origin;
    offline = await launchOfflineChromium(origin);
  });

  afterAll(async () => {
    await offline?.close();
    await stack?.stop();
  });

  it('logs in, queries with the Authorization header, and follows orders over graphql-ws', { timeout: 240_000 }, async () => {
    const customer = await stack.registerCustomer('Browser Customer');
    const card = await addCard(stack, customer.token);
    const product = await createProduct(stack, { name: 'Playground Lamp', priceCents: 2500, stock: 10 });

    const page = await offline.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    const response = await page.goto(`${origin}/`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    const graphiql = new GraphiQLPage(page);
    await graphiql.ready(SLOW_MS);

    // Log in: the result carries a token.
    await graphiql.openTab('LogIn');
    await graphiql.setVariables({ email: stack.admin.email, password: stack.admin.password });
    await graphiql.run();
    const token = await graphiql.waitForResponse((r) => r.data?.login?.token as string | undefined, SLOW_MS);

    // A query as the admin, authorized by the header set in the headers editor.
    await graphiql.openTab('ListOrders');
    await graphiql.setVariables({});
    await graphiql.setHeaders({ Authorization: `Bearer ${token}` });
    await graphiql.run();
    const orders = await graphiql.waitForResponse((r) => r.data?.orders as { totalCount: number } | undefined, SLOW_MS);
    expect(orders.totalCount).toBeGreaterThanOrEqual(0);

    // A subscription over graphql-ws, authorized by the same header, then an order placed over HTTP.
    await graphiql.openTab('AllOrderUpdates');
    await graphiql.setHeaders({ Authorization: `Bearer ${token}` });
    await graphiql.run();
    await page.getByRole('button', { name: /^Stop query/ }).waitFor({ timeout: SLOW_MS });
    // The socket is open once the gateway counts the subscription; an order placed before would be missed.
    await expect.poll(() => stack.gateway.subscriptions.stats().listeners, { timeout: SLOW_MS }).toBeGreaterThan(0);
    const placed = await placeOrder(stack, customer.token, [{ productId: product.id, quantity: 1 }], card);
    const orderId = placed.data.placeOrder.id as string;
    const update = await graphiql.waitForResponse(
      (r) => (r.data?.orderUpdates?.id === orderId && r.data.orderUpdates.status === 'PAID' ? r.data.orderUpdates : undefined),
      SLOW_MS,
    );
    expect(update).toMatchObject({ id: orderId, status: 'PAID', customer: { email: customer.email } });

    await mkdir('test/artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    expect(offline.blocked, 'requests the page tried to make beyond the gateway').toEqual([]);
    expect(consoleErrors, 'browser console errors (CSP violations included)').toEqual([]);
  });

  it('serves every asset itself, with a policy that forbids other origins', async () => {
    for (const path of ['/', '/playground', '/playground/app.js', '/playground/app.css']) {
      const res = await fetch(`${origin}${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).not.toMatch(/https?:|\*/);
    }
    const html = await (await fetch(`${origin}/`)).text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
