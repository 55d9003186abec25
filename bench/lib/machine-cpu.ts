import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports CPU times in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const MS_PER_TICK = 10;

/**
 * CPU time (user + system, ms) of every process on the machine whose command is one of `commands`
 * (e.g. `postgres`, `nats-server`), summed per command, from /proc (Linux; empty elsewhere).
 * Machine-wide: a backend serving someone else's database counts too, and a process that exited
 * between two readings takes its time with it (short-lived Postgres connections read low).
 */
export function cpuByCommand(commands: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(commands.map((c) => [c, 0]));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!(comm in out)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[comm] += (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
    } catch {
      // Gone since the listing.
    }
  }
  return out;
}

/** CPU time the whole machine spent busy (all cores, everything but idle and iowait), ms, from /proc/stat. */
export function machineBusyMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) * MS_PER_TICK;
  } catch {
    return null;
  }
}
