import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/graphql/load-schema.js';

/**
 * Scenario 6: the order-placement (issue 3) and subscription fan-out (issue 4) benchmarks, each
 * in a process of its own as their own commands run them, with shorter settings so the whole
 * suite stays near five minutes. Their full-length runs are `npm run bench:orders` and
 * `npm run bench:subscriptions`. Each starts its own cluster (each service a process in production
 * mode; the order benchmark over Postgres's Unix socket when BENCH_PG_SOCKET=1, which the child
 * inherits) and exits 1 when a target fails, 2 when it could not run.
 */
const SUITE_SETTINGS = {
  orders: { script: 'bench/orders.ts', args: ['--rate', '100', '--seconds', '10', '--settle', '20'], nodeArgs: [] as string[] },
  subscriptions: { script: 'bench/subscriptions.ts', args: ['--sizes', '1000', '--events', '900', '--rate', '300', '--burst', '500', '--settle', '30'], nodeArgs: [] as string[] },
};

export type ChildBenchName = keyof typeof SUITE_SETTINGS;

export interface ChildBenchResult {
  name: ChildBenchName;
  command: string;
  exitCode: number | null;
  /** The benchmark's own JSON result (bench/results/<name>.json's shape). */
  result: any;
}

export async function runChildBench(name: ChildBenchName, log: (line: string) => void): Promise<ChildBenchResult> {
  const { script, args, nodeArgs } = SUITE_SETTINGS[name];
  const dir = await mkdtemp(join(tmpdir(), `bench-${name}-`));
  const out = join(dir, 'result.json');
  const command = `node --import tsx ${[...nodeArgs, script, ...args].join(' ')}`;
  log(`scenario 6 (${name}): ${command}`);
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args, '--out', out], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let rest = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) if (l.trim()) log(`  ${name} | ${l}`);
      });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
    const result = JSON.parse(await readFile(out, 'utf8'));
    return { name, command, exitCode, result };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
