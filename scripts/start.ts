/**
 * `npm start`: the whole supergraph on one machine, in this one process: PostgreSQL (DATABASE_URL,
 * else an embedded cluster in .data/postgres), NATS (NATS_URL, else a local nats-server),
 * migrations, demo data, every registered subgraph and the gateway. Ctrl-C stops it all, in order.
 */
import { isAbsolute, relative } from 'node:path';
import { createGatewayApp } from '../gateway/src/app.js';
import { loadGatewayConfig, type GatewayConfig } from '../gateway/src/config.js';
import { envName, type Env } from '../lib/config.js';
import { DEMO_CUSTOMER } from '../subgraphs/order/src/seeders/demo-customers.js';
import { devEnv } from './dev-env.js';
import { readableError, redactUrl } from './readable-error.js';
import { banner, type BannerInput } from './start/banner.js';
import { loadStartConfig } from './start/config.js';
import { embeddedDatabaseUrl, startEmbeddedPostgres } from './start/embedded-postgres.js';
import { planNats, startNatsServer } from './start/nats.js';
import { assertPortsFree, type PortClaim } from './start/ports.js';
import { startSmtpCatcher } from './start/smtp-catcher.js';
import { onStopSignals, StartedServices } from './start/shutdown.js';
import { browserBase, routingBase } from './start/urls.js';
import {
  createSubgraphApp,
  describeMigrations,
  loadSubgraphs,
  migrateSubgraph,
  portVariable,
  seedSubgraph,
  type LoadedSubgraph,
} from './subgraph-tasks.js';


function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function portClaims(subgraphs: LoadedSubgraph[], gateway: GatewayConfig): PortClaim[] {
  return [
    { service: 'gateway', host: gateway.host, port: gateway.port, variable: portVariable('gateway') },
    ...subgraphs.map((sg) => ({ service: `${sg.name} subgraph`, host: sg.config.host, port: sg.config.port, variable: portVariable(sg.name) })),
  ];
}

/** Starts everything, registering each piece in `services` as soon as it runs; returns the banner. */
async function startAll(baseEnv: Env, interrupted: AbortSignal, services: StartedServices): Promise<string> {
  const env = await devEnv(baseEnv);
  let mailUrl: string | undefined;
  if (!env.SMTP_URL) {
    // A real SMTP server in this process, so the notification service has somewhere to send mail.
    const mail = await startSmtpCatcher();
    services.add('SMTP catcher', () => mail.stop());
    env.SMTP_URL = mail.smtpUrl;
    console.log(`Caught mail is at ${mail.webUrl}`);
    mailUrl = mail.webUrl;
  }
  // The services log JSON; at info level it would bury the progress lines and the banner.
  env.LOG_LEVEL ??= 'warn';
  const settings = loadStartConfig(env);
  const embedded = settings.databaseUrl ? undefined : settings.embeddedPostgres;
  if (embedded) env.DATABASE_URL = embeddedDatabaseUrl(embedded.port);

  // Every configuration is parsed and every port checked before anything starts.
  const subgraphs = loadSubgraphs(env);
  if (!subgraphs.length) throw new Error('No subgraph is registered in subgraphs/index.ts; nothing to start.');
  const claims = portClaims(subgraphs, loadGatewayConfig(env));
  if (embedded) claims.push({ service: 'embedded PostgreSQL', host: '127.0.0.1', port: embedded.port, variable: 'EMBEDDED_PG_PORT' });
  await assertPortsFree(claims);
  // Every subgraph reads the same NATS_URL (and the same default); the first one's config tells us which.
  const natsUrl: string = subgraphs[0].config.natsUrl;
  const natsPlan = await planNats(natsUrl, env.PATH);

  let database: string;
  if (embedded) {
    console.log(`Starting embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${displayPath(embedded.dir)})…`);
    const pg = await startEmbeddedPostgres(embedded, console.log);
    services.add('embedded PostgreSQL', () => pg.stop());
    database = `embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${displayPath(embedded.dir)})`;
    console.log('  PostgreSQL is ready.');
  } else {
    database = `${redactUrl(env.DATABASE_URL!)} (DATABASE_URL)`;
    console.log(`Using PostgreSQL at ${database}.`);
  }
  interrupted.throwIfAborted();

  if (natsPlan.kind === 'running') {
    console.log(`Using NATS at ${natsUrl} (already running).`);
  } else {
    console.log(`Starting nats-server with JetStream on ${natsPlan.address.host}:${natsPlan.address.port}…`);
    const nats = await startNatsServer(natsPlan);
    services.add('nats-server', () => nats.stop());
    console.log(`  ${nats.description}.`);
  }
  interrupted.throwIfAborted();

  console.log('Migrating databases…');
  for (const sg of subgraphs) console.log(`  ${describeMigrations(sg.name, await migrateSubgraph(sg))}`);
  interrupted.throwIfAborted();

  console.log('Seeding demo data and starting subgraphs…');
  const running: BannerInput['subgraphs'] = [];
  for (const sg of subgraphs) {
    const app = await createSubgraphApp(sg);
    services.add(`${sg.name} subgraph`, () => app.stop());
    for (const line of await seedSubgraph(sg, app)) console.log(`  ${sg.name}: ${line}`);
    const port = await app.start().catch((err: unknown) => {
      throw new Error(`${sg.name} subgraph: ${readableError(err)}`);
    });
    // The gateway routes to where the subgraph actually listens, whatever supergraph.yaml says.
    env[envName(sg.name, 'URL')] = `${routingBase(sg.config.host, port)}/graphql`;
    running.push({ name: sg.name, base: browserBase(sg.config.host, port) });
    console.log(`  ${sg.name} subgraph listening on ${browserBase(sg.config.host, port)}/graphql`);
    interrupted.throwIfAborted();
  }

  console.log('Starting the gateway…');
  const gatewayConfig = loadGatewayConfig(env);
  const gatewayApp = await createGatewayApp(gatewayConfig);
  services.add('gateway', () => gatewayApp.stop());
  const gatewayPort = await gatewayApp.start().catch((err: unknown) => {
    throw new Error(`gateway: ${readableError(err)}`);
  });
  gatewayApp.warm();
  const gateway = { base: browserBase(gatewayConfig.host, gatewayPort), playground: gatewayConfig.playground };

  const order = subgraphs.find((sg) => sg.name === 'order');
  return banner({
    gateway,
    subgraphs: running,
    accounts: order
      ? [
          { role: 'admin', email: order.config.adminEmail, password: order.config.adminPassword },
          { role: 'demo customer', email: DEMO_CUSTOMER.email, password: DEMO_CUSTOMER.password },
        ]
      : [],
    database,
    nats: natsUrl,
    mail: mailUrl ?? `sent to ${env.SMTP_URL} (SMTP_URL)`,
  });
}

const services = new StartedServices();
const interrupted = new AbortController();
let stopping: Promise<never> | undefined;

/** Stops everything started so far, once, and exits: `code`, or 1 if something failed to stop. */
function stopAndExit(code: number): Promise<never> {
  stopping ??= services.stopAll().then((clean) => {
    if (code === 0) console.log(clean ? 'Stopped.' : 'Stopped, with the failures above.');
    process.exit(clean ? code : 1);
  });
  return stopping;
}

// Stops at once, even in the middle of starting: a step may wait long (a first initdb) or forever.
onStopSignals((signal) => {
  interrupted.abort();
  console.log(`\n${signal}: stopping (again to exit without waiting)…`);
  void stopAndExit(0);
});

try {
  const text = await startAll(process.env, interrupted.signal, services);
  if (!stopping) console.log(text);
} catch (err) {
  // After a signal, whatever the abandoned step threw is a consequence of stopping, not news.
  if (stopping) await stopping;
  console.error(`\n✗ ${readableError(err)}`);
  if (process.env.DEBUG_STACK === '1' && err instanceof Error) console.error(err.stack);
  await stopAndExit(1);
}
