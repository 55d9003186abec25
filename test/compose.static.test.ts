/**
 * No Docker engine runs where the tests do, so the container setup is checked statically: every
 * service in docker-compose.yml that runs our code gets, from `.env.example` plus a key pair from
 * `npm run -s keys:generate` (the documented setup), an environment its own config loader accepts
 * in production; ports, URLs, databases and start-up order agree with each other and with
 * supergraph.yaml; the Dockerfile has its stages and runs as a non-root user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadGatewayConfig } from '../gateway/src/config.js';
import { createTokenSigner, createTokenVerifier } from '../lib/auth/jwt.js';
import { SUBGRAPH_NAMES, type Env, type SubgraphName } from '../lib/config.js';
import { REPO_ROOT } from '../lib/graphql/load-schema.js';
import { loadSubgraphs } from '../scripts/subgraph-tasks.js';
import { loadInventoryConfig } from '../subgraphs/inventory/src/config.js';
import { loadNotificationConfig } from '../subgraphs/notification/src/config.js';
import { loadOrderConfig } from '../subgraphs/order/src/config.js';
import { loadPaymentConfig } from '../subgraphs/payment/src/config.js';

const read = (file: string) => readFileSync(resolve(REPO_ROOT, file), 'utf8');

const LOADERS: Record<SubgraphName | 'gateway', (env: Env) => unknown> = {
  order: loadOrderConfig,
  inventory: loadInventoryConfig,
  payment: loadPaymentConfig,
  notification: loadNotificationConfig,
  gateway: loadGatewayConfig,
};

// ---- .env files and Compose interpolation, as Compose reads them ----

/** Compose's `.env` syntax: `#` comments, `KEY=value`, '…' literal, "…" with \n \r \t \\ \" escapes. */
function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const raw = m[2];
    if (raw.startsWith('"')) {
      const body = /^"((?:[^"\\]|\\.)*)"/.exec(raw)?.[1] ?? '';
      const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t' };
      vars[m[1]] = body.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
    } else if (raw.startsWith("'")) {
      vars[m[1]] = /^'([^']*)'/.exec(raw)?.[1] ?? '';
    } else {
      vars[m[1]] = raw.replace(/\s+#.*$/, '').trim();
    }
  }
  return vars;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `${VAR:+other}` (and the forms without `:`). */
function interpolate(text: string, vars: Record<string, string>, where: string): string {
  return text.replace(VARIABLE, (match, braced?: string, op?: string, arg = '', bare?: string) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = vars[name];
    const set = op?.startsWith(':') ? Boolean(value) : value !== undefined;
    if (op?.endsWith('-')) return set ? value : interpolate(arg, vars, where);
    if (op?.endsWith('+')) return set ? interpolate(arg, vars, where) : '';
    if (set) return value;
    const compose = op?.endsWith('?') ? `Compose would stop: "${arg}"` : 'Compose would use an empty string';
    throw new Error(`${where}: \${${name}} is not set (${compose}). Add ${name} to .env.example, or give it a default with \${${name}:-…}.`);
  });
}

function interpolateAll(node: unknown, vars: Record<string, string>, where: string): unknown {
  if (typeof node === 'string') return interpolate(node, vars, where);
  if (Array.isArray(node)) return node.map((v) => interpolateAll(v, vars, where));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, vars, `${where}.${k}`)]));
  }
  return node;
}

// ---- docker-compose.yml ----

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: (string | { target: number })[];
  volumes?: (string | { source?: string; target: string })[];
  restart?: string;
}

const keyPair = execFileSync('npm', ['run', '-s', 'keys:generate'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const envExample = read('.env.example');
const vars = { ...parseDotenv(envExample), ...parseDotenv(keyPair) };
const compose = interpolateAll(parse(read('docker-compose.yml'), { merge: true }), vars, 'docker-compose.yml') as {
  services: Record<string, Service>;
};
const services = compose.services;

const words = (cmd: Service['command']) => (Array.isArray(cmd) ? cmd : (cmd ?? '').split(/\s+/)).join(' ');

function environment(service: string): Env {
  const env = services[service].environment ?? {};
  const entries = Array.isArray(env) ? env.map((e) => e.split(/=(.*)/s).slice(0, 2)) : Object.entries(env);
  return Object.fromEntries(entries.map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]));
}

/** What a compose service runs of ours, told by its command. */
function runs(service: Service): { kind: 'subgraph'; name: SubgraphName } | { kind: 'gateway' } | { kind: 'migrate' } | undefined {
  const cmd = words(service.command);
  const subgraph = /subgraphs\/(\w+)\/src\/main\.ts/.exec(cmd)?.[1];
  if (subgraph) return { kind: 'subgraph', name: subgraph as SubgraphName };
  if (/gateway\/src\/main\.ts/.test(cmd)) return { kind: 'gateway' };
  if (/\bnpm run migrate\b|scripts\/migrate\.ts/.test(cmd)) return { kind: 'migrate' };
  return undefined;
}

/** The one compose service that runs `what`; throws, saying so, when there is none or more than one. */
function serviceRunning(what: 'gateway' | 'migrate' | SubgraphName): string {
  const found = Object.keys(services).filter((s) => {
    const r = runs(services[s]);
    return r?.kind === 'subgraph' ? r.name === what : r?.kind === what;
  });
  if (found.length !== 1) throw new Error(`docker-compose.yml needs exactly one service running ${what}; found [${found.join(', ')}]`);
  return found[0];
}

function serviceWithImage(prefix: string): string {
  const found = Object.keys(services).filter((s) => services[s].image?.startsWith(prefix));
  if (found.length !== 1) throw new Error(`docker-compose.yml needs exactly one service with image ${prefix}…; found [${found.join(', ')}]`);
  return found[0];
}

function dependsOn(service: string): Record<string, string> {
  const deps = services[service].depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, v]) => [d, v?.condition ?? 'service_started']));
}

/** The port and path a healthcheck probes on the container's own loopback. */
function probed(service: string): { port: number; path: string } {
  const test = words(services[service].healthcheck?.test);
  const m = /https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[\w/-]*)/.exec(test);
  if (!m) throw new Error(`${service}: its healthcheck should fetch http://127.0.0.1:<port>/ready (or /health); it runs: ${test}`);
  return { port: Number(m[1]), path: m[2] };
}

/** Runs a config loader the way the service's main.ts would, naming the service when it refuses. */
function load<T>(service: string, loader: (env: Env) => T): T {
  const env = environment(service);
  if (env.NODE_ENV !== 'production') {
    throw new Error(`${service}: set NODE_ENV=production; with development defaults the loader would accept a missing secret`);
  }
  try {
    return loader(env);
  } catch (err) {
    throw new Error(`compose service "${service}" would not start: ${(err as Error).message}\nFix its environment in docker-compose.yml (and .env.example for interpolated values).`);
  }
}

const subgraphService = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, () => serviceRunning(n)])) as Record<SubgraphName, () => string>;
const gatewayService = () => serviceRunning('gateway');
const migrateService = () => serviceRunning('migrate');
const appServices = () => [...SUBGRAPH_NAMES.map((n) => subgraphService[n]()), gatewayService(), migrateService()];

/** Loaded once per service, on first use, so a refusal fails only the tests that need that service. */
function once<T>(fn: () => T): () => T {
  let result: { value: T } | undefined;
  return () => (result ??= { value: fn() }).value;
}
const subgraphConfig = {
  order: once(() => load(subgraphService.order(), loadOrderConfig)),
  inventory: once(() => load(subgraphService.inventory(), loadInventoryConfig)),
  payment: once(() => load(subgraphService.payment(), loadPaymentConfig)),
  notification: once(() => load(subgraphService.notification(), loadNotificationConfig)),
};
const gatewayConfig = once(() => load(gatewayService(), loadGatewayConfig));

const supergraph = parse(read('supergraph.yaml')) as { subgraphs: Record<string, { routing_url: string }> };

describe('docker-compose.yml: every service gets the configuration it needs', () => {
  it.each([...SUBGRAPH_NAMES, 'gateway'] as const)('%s: its environment passes its config loader in production', (what) => {
    const service = serviceRunning(what);
    load(service, LOADERS[what]);
  });

  it('runs each of our services from the one image', () => {
    const apps = appServices();
    const images = new Set(apps.map((s) => JSON.stringify([services[s].image, services[s].build])));
    expect(images.size, `${apps.join(', ')} should share one image and build (the Dockerfile's runtime stage)`).toBe(1);
    for (const s of Object.keys(services).filter((s) => services[s].build)) {
      expect(runs(services[s]), `${s} builds our image but runs something this test does not know; teach runs() about it`).toBeDefined();
    }
    for (const s of apps) {
      const file = /\S+\.ts/.exec(words(services[s].command))?.[0] ?? 'scripts/migrate.ts';
      expect(existsSync(resolve(REPO_ROOT, file)), `${s}: its command runs ${file}, which does not exist`).toBe(true);
    }
  });

  it('gives each subgraph its secret, an address its neighbours reach, and no database creation', () => {
    for (const name of SUBGRAPH_NAMES) {
      const config = subgraphConfig[name]();
      const service = subgraphService[name]();
      expect(config.host, `${service}: set HOST=0.0.0.0, or it listens on the container's loopback only`).toBe('0.0.0.0');
      expect(config.gatewaySecret, `${service}: ${name.toUpperCase()}_GATEWAY_SECRET must equal the gateway's`).toBe(gatewayConfig().subgraphs[name].secret);
      expect(services[new URL(config.natsUrl).hostname], `${service}: NATS_URL must name the compose NATS service`).toBeDefined();
      expect(config.createDatabase, `${service}: set DB_CREATE=false; the postgres init script makes the databases`).toBe(false);
    }
  });

  it('signs tokens in the order service that the gateway accepts', async () => {
    const order = subgraphConfig.order();
    const gateway = gatewayConfig();
    const settings = { issuer: order.jwtIssuer, audience: order.jwtAudience };
    expect({ issuer: gateway.jwtIssuer, audience: gateway.jwtAudience }, 'JWT_ISSUER/JWT_AUDIENCE must match on order and gateway').toEqual(settings);
    const token = await (await createTokenSigner(order.jwtPrivateKey, settings))({ customerId: 'c1', role: 'ADMIN' });
    const verify = await createTokenVerifier(gateway.jwtPublicKey, settings);
    await expect(verify(token), 'JWT_PUBLIC_KEY on the gateway must be the public half of JWT_PRIVATE_KEY on order').resolves.toMatchObject({ customerId: 'c1' });
  });

  it('passes the gateway the subgraphs\' NATS and events prefix, and notification the SMTP catcher', () => {
    const gateway = gatewayService();
    const env = environment(gateway);
    expect(gatewayConfig().host, `${gateway}: set HOST=0.0.0.0 (or GATEWAY_HOST)`).toBe('0.0.0.0');
    for (const name of SUBGRAPH_NAMES) {
      const { natsUrl, eventsPrefix } = subgraphConfig[name]();
      expect(env.NATS_URL, `${gateway}: set NATS_URL to the one ${subgraphService[name]()} uses`).toBe(natsUrl);
      expect(env.EVENTS_PREFIX ?? 'commerce', `${gateway} and ${subgraphService[name]()}: EVENTS_PREFIX must match, or they use different subjects`).toBe(eventsPrefix);
    }
    const mailpit = serviceWithImage('axllent/mailpit');
    const notification = subgraphService.notification();
    expect(environment(notification).SMTP_URL, `${notification}: set SMTP_URL=smtp://${mailpit}:1025`).toBe(`smtp://${mailpit}:1025`);
  });

  it('migrates with every subgraph configured as its own service runs it', () => {
    const migrate = migrateService();
    const env = environment(migrate);
    expect(words(services[migrate].command), `${migrate}: run npm run migrate`).toMatch(/npm run migrate/);
    expect(env.DB_CREATE, `${migrate}: set DB_CREATE=false`).toBe('false');
    // Given neither half, scripts/migrate.ts writes a development pair under /app, which the image's user cannot.
    expect(Boolean(env.JWT_PRIVATE_KEY && env.JWT_PUBLIC_KEY), `${migrate}: give it both JWT_PRIVATE_KEY and JWT_PUBLIC_KEY`).toBe(true);
    const loaded = load(migrate, loadSubgraphs);
    expect(loaded.map((sg) => sg.name).sort(), `${migrate}: scripts/migrate.ts should migrate every subgraph`).toEqual([...SUBGRAPH_NAMES].sort());
    for (const sg of loaded) {
      expect(sg.config.databaseUrl, `${migrate}: ${sg.name.toUpperCase()}_DATABASE_URL must be the one ${subgraphService[sg.name]()} uses`).toBe(
        subgraphConfig[sg.name]().databaseUrl,
      );
    }
  });
});

describe('docker-compose.yml: ports and URLs agree', () => {
  it.each(SUBGRAPH_NAMES)('%s: its port, healthcheck, gateway URL and supergraph.yaml routing URL', (name) => {
    const service = subgraphService[name]();
    const gateway = gatewayService();
    const { port } = subgraphConfig[name]();
    const NAME = name.toUpperCase();
    const routing = new URL(supergraph.subgraphs[name].routing_url);
    const url = new URL(gatewayConfig().subgraphs[name].url ?? `http://unset`);
    const probe = probed(service);
    expect(probe.port, `${service}: the healthcheck probes port ${probe.port}, but ${NAME}_PORT is ${port}`).toBe(port);
    expect(['/ready', '/health'], `${service}: probe /ready (or /health), not ${probe.path}`).toContain(probe.path);
    expect(url.hostname, `${gateway}: set ${NAME}_URL to http://${service}:${port}${routing.pathname}`).toBe(service);
    expect(Number(url.port), `${gateway}: ${NAME}_URL has port ${url.port}; ${service} listens on ${port}`).toBe(port);
    expect(url.pathname, `${gateway}: ${NAME}_URL's path must be supergraph.yaml's ${routing.pathname}`).toBe(routing.pathname);
    expect(Number(routing.port), `supergraph.yaml routes ${name} to port ${routing.port}, but its container listens on ${port}`).toBe(port);
  });

  it('gateway: its port, healthcheck and published port', () => {
    const gateway = gatewayService();
    const { port } = gatewayConfig();
    const probe = probed(gateway);
    expect(probe.port, `${gateway}: the healthcheck probes ${probe.port}; GATEWAY_PORT is ${port}`).toBe(port);
    const published = (services[gateway].ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').pop()) : p.target));
    expect(published, `${gateway}: publish its container port ${port}`).toContain(port);
  });
});

describe('docker-compose.yml: start-up order and health', () => {
  it('depends only on services that exist, and waits for health only where there is a healthcheck', () => {
    for (const service of Object.keys(services)) {
      for (const [target, condition] of Object.entries(dependsOn(service))) {
        expect(services[target], `${service} depends on "${target}", which is not a service`).toBeDefined();
        if (condition === 'service_healthy') expect(services[target].healthcheck?.test, `${service} waits for ${target} to be healthy: give ${target} a healthcheck`).toBeDefined();
      }
    }
  });

  it('starts the subgraphs after postgres and NATS are healthy and migrations are done, the gateway after the subgraphs', () => {
    const postgres = serviceWithImage('postgres:');
    const nats = serviceWithImage('nats:');
    const migrate = migrateService();
    const infra = { [postgres]: 'service_healthy', [nats]: 'service_healthy', [migrate]: 'service_completed_successfully' };
    for (const service of SUBGRAPH_NAMES.map((n) => subgraphService[n]())) {
      expect(dependsOn(service), `${service}: depends_on must include ${JSON.stringify(infra)}`).toMatchObject(infra);
    }
    expect(dependsOn(migrate), `${migrate}: depends_on ${postgres} (service_healthy)`).toMatchObject({ [postgres]: 'service_healthy' });
    const subgraphsHealthy = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [subgraphService[n](), 'service_healthy']));
    expect(dependsOn(gatewayService()), `${gatewayService()}: depends_on every subgraph and ${nats} (service_healthy)`).toMatchObject({ ...subgraphsHealthy, [nats]: 'service_healthy' });
  });

  it('has a healthcheck on every service but the one-shot migrate', () => {
    const migrate = migrateService();
    for (const [service, def] of Object.entries(services)) {
      if (service === migrate) {
        expect(def.restart ?? 'no', `${service} runs once: set restart: "no"`).toBe('no');
        continue;
      }
      expect(Boolean(def.healthcheck?.test) && !def.healthcheck?.disable, `${service}: add a healthcheck`).toBe(true);
    }
  });

  it('creates, in the postgres init script, exactly the databases the subgraphs use, on the compose postgres', () => {
    const postgres = serviceWithImage('postgres:');
    const pg = environment(postgres);
    const mounts = (services[postgres].volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    expect(mounts.some((m) => /^\.\/deploy\/postgres\/init:\/docker-entrypoint-initdb\.d(:ro)?$/.test(m)), `${postgres}: mount ./deploy/postgres/init at /docker-entrypoint-initdb.d`).toBe(true);
    const dir = resolve(REPO_ROOT, 'deploy/postgres/init');
    const scripts = readdirSync(dir)
      .filter((f) => /\.(sql|sh)$/.test(f))
      .map((f) => readFileSync(resolve(dir, f), 'utf8'))
      .join('\n');
    const created = [...scripts.matchAll(/create\s+database\s+"?([A-Za-z0-9_]+)"?/gi)].map((m) => m[1]).sort();
    const urls = SUBGRAPH_NAMES.map((n) => new URL(subgraphConfig[n]().databaseUrl));
    const used = urls.map((u) => u.pathname.slice(1)).sort();
    expect(created, `deploy/postgres/init creates [${created.join(', ')}]; the <NAME>_DATABASE_URLs use [${used.join(', ')}]: make them the same`).toEqual(used);
    for (const url of urls) {
      const db = url.pathname.slice(1);
      expect(`${url.hostname}:${url.port || 5432}`, `${db}: its URL must point at ${postgres}:5432`).toBe(`${postgres}:5432`);
      expect(decodeURIComponent(url.username), `${db}: its URL's user must be POSTGRES_USER`).toBe(pg.POSTGRES_USER ?? 'postgres');
      expect(decodeURIComponent(url.password), `${db}: its URL's password must be POSTGRES_PASSWORD`).toBe(pg.POSTGRES_PASSWORD);
    }
  });

  it('runs NATS with JetStream on a volume', () => {
    const nats = serviceWithImage('nats:');
    const cmd = words(services[nats].command);
    expect(cmd, `${nats}: start nats-server with -js`).toMatch(/(^|\s)(-js|--jetstream)(\s|$)/);
    const storeDir = /(?:-sd|--store_dir)[ =](\S+)/.exec(cmd)?.[1];
    const mounts = (services[nats].volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    expect(Boolean(storeDir && mounts.includes(storeDir)), `${nats}: give it a store dir (-sd) with a volume mounted there`).toBe(true);
  });
});

describe('.env.example', () => {
  it('commits no private key', () => {
    expect(envExample, '.env.example must not hold a key: npm run -s keys:generate makes one per stack').not.toMatch(/PRIVATE KEY-----/);
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const firstFrom = lines.findIndex((l) => /^FROM\s/i.test(l));
  const globalArgs = Object.fromEntries(lines.slice(0, firstFrom).flatMap((l) => [...l.matchAll(/^ARG\s+(\w+)=(\S+)/gi)].map((m) => [m[1], m[2]])));
  const stages: { name: string; from: string; body: string[] }[] = [];
  for (const line of lines.slice(firstFrom)) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[2] ?? String(stages.length), from: interpolate(from[1], globalArgs, 'Dockerfile FROM'), body: [] });
    else stages.at(-1)!.body.push(line);
  }
  const body = (name: string) => stages.find((s) => s.name === name)?.body.join('\n') ?? '';

  it('has the deps, build and runtime stages, runtime last', () => {
    expect(body('deps'), 'Dockerfile: a `deps` stage that runs npm ci').toMatch(/npm ci\b/);
    expect(body('build'), 'Dockerfile: a `build` stage that runs npm run typecheck').toMatch(/npm run typecheck\b/);
    expect(stages.at(-1)?.name, 'Dockerfile: `runtime` must be the last stage, so a plain `docker build` makes it').toBe('runtime');
    expect(stages.at(-1)?.from, 'Dockerfile: the runtime stage starts from node:20-bookworm-slim').toBe('node:20-bookworm-slim');
    expect(body('runtime'), 'Dockerfile: the runtime stage must COPY --from=build, or BuildKit skips the typecheck').toMatch(/COPY\s+--from=build\b/);
    for (const s of appServices()) {
      const target = (services[s].build as { target?: string } | undefined)?.target;
      expect(target ?? 'runtime', `${s}: build.target must be the runtime stage`).toBe('runtime');
    }
  });

  it('runs the services as a non-root user, in production mode', () => {
    const user = [...body('runtime').matchAll(/^USER\s+(\S+)/gim)].at(-1)?.[1].split(':')[0];
    expect(user, 'Dockerfile: the runtime stage needs a USER').toBeDefined();
    expect(['root', '0'], `Dockerfile: the runtime stage runs as ${user}; use a non-root user such as node`).not.toContain(user);
    expect(body('runtime'), 'Dockerfile: set ENV NODE_ENV=production in the runtime stage').toMatch(/ENV\s+NODE_ENV=production\b/);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', '.data']) expect(ignored, `.dockerignore: add ${entry}`).toContain(entry);
  });
});
