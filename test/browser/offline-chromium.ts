import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, and quiet: no background requests of the browser's own that a test would have to tell apart. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OfflineBrowser {
  browser: Browser;
  context: BrowserContext;
  /** Every request (HTTP or WebSocket) the page tried to make to another origin; each was refused. */
  blocked: string[];
  close(): Promise<void>;
}

/**
 * A browser whose pages may reach `origin` only: any other request or WebSocket is aborted and
 * recorded, as on a network without internet, so a test can assert that none was attempted.
 */
export async function launchOfflineChromium(origin: string): Promise<OfflineBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const blocked: string[] = [];
  const allowed = new URL(origin);
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === allowed.origin) return route.continue();
    blocked.push(url.href);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(
    (url) => url.host !== allowed.host,
    (ws) => {
      blocked.push(ws.url());
      return ws.close();
    },
  );
  return { browser, context, blocked, close: () => browser.close() };
}
