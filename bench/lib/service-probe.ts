/**
 * Loaded into each service process of a BenchCluster started with `probe: true`
 * (`node --import tsx --import ./bench/lib/service-probe.ts <main>`), before the service's own
 * code. It changes nothing the service does; it answers the benchmark, on 127.0.0.1 at
 * `BENCH_PROBE_PORT`, what an in-process benchmark would read from the service's objects:
 *
 *   GET  /           counters as JSON (see ProbeCounters)
 *   GET  /heap       heap and RSS after a full GC (see ProbeHeap; the cluster starts probed
 *                    services with --expose-gc so the probe can force one)
 *   POST /profile/start
 *   POST /profile/stop?path=/abs/file.cpuprofile   (V8 CPU profile of this process, via the inspector)
 *
 * With `BENCH_PROBE_SQL=1` it counts every query the process sends through `pg` (the driver under
 * MikroORM and knex), split the way lib/db/orm.ts's SqlStatementCounter splits them: statements
 * (transaction control apart) and, among those, the ones sent while serving a GraphQL request; and
 * the messages (round trips) they went in: a step transaction (lib/db/step-tx.ts) sends several
 * statements in one, separated by STATEMENT_SEPARATOR.
 */
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { STATEMENT_SEPARATOR } from '../../lib/db/step-tx.js';
import { mainThreadCpuMs } from './thread-cpu.js';

export interface ProbeCounters {
  pid: number;
  /** SQL statements sent, BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE not included; null without BENCH_PROBE_SQL. */
  statements: number | null;
  /** Messages sent to Postgres, each a round trip, transaction control included. */
  roundTrips: number | null;
  /** Of those, sent while serving a GraphQL request (lib/db/orm.ts's requestScope). */
  requestStatements: number | null;
  /** BEGIN (or START TRANSACTION): root transactions; each costs a COMMIT or ROLLBACK more. */
  begins: number | null;
  commits: number | null;
  rollbacks: number | null;
  /** SAVEPOINT, RELEASE and ROLLBACK TO: nested transactions. */
  savepointStatements: number | null;
  /** CPU of this process's main thread (the event loop) and of the whole process, ms. */
  mainThreadCpuMs: number | null;
  processCpuMs: number;
  /** Cumulative event-loop times, ms (difference two readings for a window's utilization). */
  loopActiveMs: number;
  loopIdleMs: number;
  /** Time in garbage-collection pauses, ms. */
  gcMs: number;
}

const counts = { statements: 0, roundTrips: 0, requestStatements: 0, begins: 0, commits: 0, rollbacks: 0, savepointStatements: 0 };
const countSql = process.env.BENCH_PROBE_SQL === '1';

if (countSql) {
  // The service's own instance of the module (same file URL through tsx), so the scope is theirs.
  const { requestScope } = await import('../../lib/db/orm.js');
  const pg = createRequire(import.meta.url)('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: unknown } | undefined;
    const text = typeof first === 'string' ? first : typeof first?.text === 'string' ? first.text : '';
    counts.roundTrips++;
    for (const statement of text.split(STATEMENT_SEPARATOR)) {
      const head = statement.trimStart().slice(0, 20).toLowerCase();
      if (head.startsWith('begin') || head.startsWith('start transaction')) counts.begins++;
      else if (head.startsWith('commit')) counts.commits++;
      else if (head.startsWith('rollback to') || head.startsWith('savepoint') || head.startsWith('release')) counts.savepointStatements++;
      else if (head.startsWith('rollback')) counts.rollbacks++;
      else {
        counts.statements++;
        if (requestScope.getStore()) counts.requestStatements++;
      }
    }
    return query.apply(this, args);
  };
}

/** This process's memory after garbage collection, so two readings differ by what stays reachable. */
export interface ProbeHeap {
  heapUsed: number;
  rss: number;
  /** False without --expose-gc: the figures then include whatever garbage had not been collected yet. */
  afterGc: boolean;
}

async function settledHeap(): Promise<ProbeHeap> {
  // Several rounds, a pause between: finalizers and weak callbacks free more on the next one.
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss, afterGc: !!globalThis.gc };
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

let profiler: Session | undefined;

function snapshot(): ProbeCounters {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const sql = (v: number) => (countSql ? v : null);
  return {
    pid: process.pid,
    statements: sql(counts.statements),
    roundTrips: sql(counts.roundTrips),
    requestStatements: sql(counts.requestStatements),
    begins: sql(counts.begins),
    commits: sql(counts.commits),
    rollbacks: sql(counts.rollbacks),
    savepointStatements: sql(counts.savepointStatements),
    mainThreadCpuMs: mainThreadCpuMs(),
    processCpuMs: (cpu.user + cpu.system) / 1000,
    loopActiveMs: elu.active,
    loopIdleMs: elu.idle,
    gcMs,
  };
}

const port = Number(process.env.BENCH_PROBE_PORT);
if (port > 0) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    (async () => {
      if (req.method === 'GET' && url.pathname === '/') return answer(200, snapshot());
      if (req.method === 'GET' && url.pathname === '/heap') return answer(200, await settledHeap());
      if (req.method === 'POST' && url.pathname === '/profile/start') {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
        return answer(200, { started: true });
      }
      if (req.method === 'POST' && url.pathname === '/profile/stop' && profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        profiler = undefined;
        const path = url.searchParams.get('path');
        if (path) await writeFile(path, JSON.stringify(profile));
        return answer(200, { written: path });
      }
      answer(404, { error: 'not found' });
    })().catch((err: unknown) => answer(500, { error: String(err) }));
  });
  server.listen(port, '127.0.0.1');
  // The service decides when it exits; the probe never holds it up.
  server.unref();
}
