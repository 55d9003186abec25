import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc (Linux). Divided by the
 * requests it served, it is the cost of one request: a figure that, unlike requests per second,
 * hardly moves when the machine is busy with other work.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the processes together use less than `maxCores` of CPU over `windowMs` (or
 * `timeoutMs` passes): after a side has been overloaded, its services may still be working off
 * abandoned requests, which must not count against whatever is measured next.
 */
export async function waitUntilQuiet(pids: number[], opts: { maxCores?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const { maxCores = 0.3, windowMs = 250, timeoutMs = 20_000 } = opts;
  const began = performance.now();
  const total = () => pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0);
  let before = total();
  while (performance.now() - began < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = total();
    if ((now - before) / windowMs < maxCores) break;
    before = now;
  }
  return performance.now() - began;
}
