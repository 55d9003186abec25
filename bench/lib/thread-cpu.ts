import { readFileSync } from 'node:fs';

/** Linux reports thread times in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const MS_PER_TICK = 10;

/**
 * CPU time of this process's main thread (the event loop everything in the benchmark shares),
 * in milliseconds. `process.cpuUsage()` adds the garbage collector's and the compiler's helper
 * threads, which run on the other core; this is what the one loop can still give. Null where
 * /proc is not there.
 */
export function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return null;
  }
}
